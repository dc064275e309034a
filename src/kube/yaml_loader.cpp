#include "kube/yaml_loader.h"

#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>

namespace pave::kube::detail {
namespace {

// Builds one document's nodes from the parser's events.
class DocumentBuilder : public YAML::EventHandler {
 public:
  YAML::Node root() const { return root_; }
  int start() const { return start_; }

  // YAML::Node's operator= changes the node a handle refers to (every copy of the handle sees it); reset()
  // points the handle at another node, which is what building needs.
  void OnDocumentStart(const YAML::Mark& mark) override {
    root_.reset();
    start_ = mark.pos;
    stack_.clear();
    anchors_.clear();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override {
    YAML::Node n(YAML::NodeType::Null);
    remember(anchor, n);
    add(n);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw YAML::ParserException(mark, "an alias to a node that is not complete (or unknown)");
    add(it->second);
  }
  void OnScalar(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor, const std::string& value) override {
    YAML::Node n(value);
    n.SetTag(tag);
    remember(anchor, n);
    add(n);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor, YAML::EmitterStyle::value style) override {
    open(YAML::NodeType::Sequence, tag, anchor, style);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark&, const std::string& tag, YAML::anchor_t anchor, YAML::EmitterStyle::value style) override {
    open(YAML::NodeType::Map, tag, anchor, style);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    YAML::Node node;
    YAML::anchor_t anchor = 0;
    std::optional<YAML::Node> key;  // a map's key waiting for its value
  };

  void remember(YAML::anchor_t anchor, const YAML::Node& n) {
    if (anchor == 0) return;
    anchors_.erase(anchor);
    anchors_.emplace(anchor, n);
  }
  void open(YAML::NodeType::value type, const std::string& tag, YAML::anchor_t anchor, YAML::EmitterStyle::value style) {
    YAML::Node n(type);
    n.SetTag(tag);
    n.SetStyle(style);
    stack_.push_back({n, anchor, std::nullopt});
  }
  void close() {
    Open done = std::move(stack_.back());
    stack_.pop_back();
    remember(done.anchor, done.node);  // only now may an alias name it
    add(done.node);
  }
  void add(const YAML::Node& n) {
    if (stack_.empty()) {
      root_.reset(n);
      return;
    }
    Open& parent = stack_.back();
    if (parent.node.IsSequence()) {
      parent.node.push_back(n);
    } else if (!parent.key) {
      parent.key.emplace(n);
    } else {
      parent.node.force_insert(*parent.key, n);
      parent.key.reset();
    }
  }

  YAML::Node root_;
  int start_ = -1;
  std::vector<Open> stack_;
  std::map<YAML::anchor_t, YAML::Node> anchors_;
};

}  // namespace

namespace {

// YAML's line breaks are "\r\n", "\r" and "\n", each read as one "\n" (YAML 1.2, 5.4), as Go's YAML
// reads them; yaml-cpp takes a lone "\r" for part of a scalar ({"a":\r1} would be the string "\r1").
std::string with_line_feeds(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out += text[i];
    } else if (i + 1 >= text.size() || text[i + 1] != '\n') {
      out += '\n';
    }
  }
  return out;
}

}  // namespace

std::vector<YAML::Node> load_all_documents(std::string_view text) {
  std::istringstream in{text.find('\r') == std::string_view::npos ? std::string(text) : with_line_feeds(text)};
  YAML::Parser parser(in);
  std::vector<YAML::Node> docs;
  DocumentBuilder builder;
  int last_start = -1;
  while (parser.HandleNextDocument(builder)) {
    if (builder.start() == last_start) {
      YAML::Mark at;
      at.pos = builder.start();
      throw YAML::ParserException(at, "unexpected token: no document starts here");
    }
    last_start = builder.start();
    docs.push_back(builder.root());
  }
  return docs;
}

}  // namespace pave::kube::detail
