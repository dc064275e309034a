#include "support/jsonpath.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace pave::testing {
namespace {

using kube::Json;

// Thrown inside this file only, for anything outside the understood part; evaluate_jsonpath() turns it
// into "no answer".
struct Unsupported {};

struct Step {
  enum class Kind { kField, kIndex, kAll, kFilter } kind;
  std::string name;         // kField
  size_t index = 0;         // kIndex
  std::vector<Step> left;   // kFilter: the path after @
  bool equal = true;        // kFilter: == or !=
  Json literal;             // kFilter: a string or an integer
};
using Path = std::vector<Step>;

struct Node {
  enum class Kind { kText, kPath, kRange } kind;
  std::string text;
  Path path;
  std::vector<Node> body;  // kRange
};

// The index of the character closing what opens at `from` (a '{' or '['), skipping quoted text.
size_t closing(const std::string& s, size_t from, char open, char close) {
  int depth = 0;
  for (size_t i = from; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"' || c == '\'') {
      for (++i; i < s.size() && s[i] != c; ++i) {
        if (s[i] == '\\') ++i;
      }
      if (i >= s.size()) throw Unsupported{};
    } else if (c == open) {
      ++depth;
    } else if (c == close && --depth == 0) {
      return i;
    }
  }
  throw Unsupported{};
}

std::string unquote(const std::string& quoted) {
  if (quoted.size() < 2 || quoted.front() != quoted.back() || (quoted.front() != '"' && quoted.front() != '\'')) throw Unsupported{};
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] != '\\') {
      out += quoted[i];
      continue;
    }
    if (++i + 1 >= quoted.size()) throw Unsupported{};
    switch (quoted[i]) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '"': out += '"'; break;
      case '\'': out += '\''; break;
      case '\\': out += '\\'; break;
      default: throw Unsupported{};
    }
  }
  return out;
}

Path parse_path(const std::string& s);

Step parse_filter(const std::string& inner) {  // what is between "?(" and ")"
  if (inner.empty() || inner[0] != '@') throw Unsupported{};
  size_t op = std::string::npos;
  for (size_t i = 1; i + 1 < inner.size(); ++i) {
    if (inner[i] == '"' || inner[i] == '\'') break;
    if ((inner[i] == '=' || inner[i] == '!') && inner[i + 1] == '=') {
      op = i;
      break;
    }
  }
  if (op == std::string::npos) throw Unsupported{};
  Step step{.kind = Step::Kind::kFilter};
  step.equal = inner[op] == '=';
  std::string left = inner.substr(1, op - 1), right = inner.substr(op + 2);
  while (!left.empty() && left.back() == ' ') left.pop_back();
  while (!right.empty() && right.front() == ' ') right.erase(0, 1);
  while (!right.empty() && right.back() == ' ') right.pop_back();
  if (left.empty() || left[0] != '.') throw Unsupported{};
  step.left = parse_path(left);
  if (!right.empty() && (right[0] == '"' || right[0] == '\'')) {
    step.literal = unquote(right);
  } else if (!right.empty() && right.size() < 18 &&
             std::all_of(right.begin(), right.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    step.literal = std::stoll(right);
  } else {
    throw Unsupported{};
  }
  return step;
}

Path parse_path(const std::string& s) {
  Path path;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '.') {
      ++i;
      if (i < s.size() && s[i] == '.') throw Unsupported{};  // recursive descent
      std::string name;
      while (i < s.size() && s[i] != '.' && s[i] != '[') {
        if (s[i] == '\\') {
          if (i + 1 >= s.size() || s[i + 1] != '.') throw Unsupported{};
          ++i;
        }
        name += s[i++];
      }
      if (name.empty()) {
        if (i == s.size() && path.empty()) break;  // "." alone: the object itself
        throw Unsupported{};
      }
      if (name == "*" || name.find_first_of(" ()@$\"',") != std::string::npos) throw Unsupported{};
      path.push_back({.kind = Step::Kind::kField, .name = name});
    } else if (s[i] == '[') {
      const size_t end = closing(s, i, '[', ']');
      const std::string inner = s.substr(i + 1, end - i - 1);
      i = end + 1;
      if (inner == "*") {
        path.push_back({.kind = Step::Kind::kAll});
      } else if (inner.size() > 3 && inner.starts_with("?(") && inner.back() == ')') {
        path.push_back(parse_filter(inner.substr(2, inner.size() - 3)));
      } else if (!inner.empty() && inner.size() < 9 &&
                 std::all_of(inner.begin(), inner.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        path.push_back({.kind = Step::Kind::kIndex, .index = std::stoul(inner)});
      } else {
        throw Unsupported{};
      }
    } else {
      throw Unsupported{};
    }
  }
  return path;
}

// Parses nodes from `at` until the end of the template, or until {end} when inside a range.
std::vector<Node> parse_nodes(const std::string& t, size_t& at, bool in_range) {
  std::vector<Node> nodes;
  while (at < t.size()) {
    if (t[at] != '{') {
      const size_t next = std::min(t.find('{', at), t.size());
      std::string text = t.substr(at, next - at);
      if (text.find_first_of("\\}") != std::string::npos) throw Unsupported{};
      nodes.push_back({.kind = Node::Kind::kText, .text = std::move(text)});
      at = next;
      continue;
    }
    const size_t end = closing(t, at, '{', '}');
    std::string inner = t.substr(at + 1, end - at - 1);
    at = end + 1;
    while (!inner.empty() && inner.front() == ' ') inner.erase(0, 1);
    while (!inner.empty() && inner.back() == ' ') inner.pop_back();
    if (inner == "end") {
      if (!in_range) throw Unsupported{};
      return nodes;
    }
    if (inner.starts_with("range ")) {
      Node range{.kind = Node::Kind::kRange, .path = parse_path(inner.substr(6))};
      range.body = parse_nodes(t, at, true);
      nodes.push_back(std::move(range));
    } else if (!inner.empty() && (inner[0] == '"' || inner[0] == '\'')) {
      nodes.push_back({.kind = Node::Kind::kText, .text = unquote(inner)});
    } else if (!inner.empty() && inner[0] == '.') {
      nodes.push_back({.kind = Node::Kind::kPath, .path = parse_path(inner)});
    } else {
      throw Unsupported{};
    }
  }
  if (in_range) throw Unsupported{};  // a range without its end
  return nodes;
}

std::vector<const Json*> evaluate(const Path& path, std::vector<const Json*> values);

bool matches(const Step& filter, const Json& element) {
  const auto lefts = evaluate(filter.left, {&element});
  if (lefts.empty()) return false;  // kubectl passes over elements without the field
  const Json& left = *lefts.front();
  if (filter.literal.is_string() && !left.is_string()) throw Unsupported{};
  if (filter.literal.is_number_integer() && !left.is_number_integer()) throw Unsupported{};
  return (left == filter.literal) == filter.equal;
}

std::vector<const Json*> evaluate(const Path& path, std::vector<const Json*> values) {
  for (const Step& step : path) {
    std::vector<const Json*> next;
    for (const Json* v : values) {
      if (step.kind == Step::Kind::kField) {
        if (!v->is_object()) throw Unsupported{};
        if (auto it = v->find(step.name); it != v->end()) next.push_back(&*it);
        continue;
      }
      if (!v->is_array()) throw Unsupported{};
      if (step.kind == Step::Kind::kIndex) {
        if (step.index >= v->size()) throw Unsupported{};  // kubectl's answer is an error there
        next.push_back(&(*v)[step.index]);
      } else {
        for (const Json& element : *v) {
          if (step.kind == Step::Kind::kAll || matches(step, element)) next.push_back(&element);
        }
      }
    }
    values = std::move(next);
  }
  return values;
}

// Refuses what Go's encoding/json would write differently from nlohmann's dump: floats, and control
// characters other than \n, \r and \t (Go writes \b and \f as \u0008 and \u000c).
void check_go_compatible(const Json& v) {
  if (v.is_number_float()) throw Unsupported{};
  if (v.is_string()) {
    for (unsigned char c : v.get_ref<const std::string&>()) {
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') throw Unsupported{};
    }
  }
  if (v.is_structured()) {
    for (const auto& [key, child] : v.items()) {
      check_go_compatible(Json(key));
      check_go_compatible(child);
    }
  }
}

// Compact JSON as Go's encoding/json writes it: keys sorted (nlohmann's objects are ordered maps), and
// <, >, &, U+2028 and U+2029 escaped.
std::string go_json(const Json& v) {
  check_go_compatible(v);
  std::string out;
  for (char c : v.dump()) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  for (const auto& [raw, escaped] : {std::pair<std::string, std::string>{"\xe2\x80\xa8", "\\u2028"}, {"\xe2\x80\xa9", "\\u2029"}}) {
    for (size_t at; (at = out.find(raw)) != std::string::npos;) out.replace(at, raw.size(), escaped);
  }
  return out;
}

std::string print(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_structured()) return go_json(v);
  throw Unsupported{};  // null and floats: kubectl's printing of them is not reproduced here
}

std::string render(const std::vector<Node>& nodes, const Json& current) {
  std::string out;
  for (const Node& node : nodes) {
    if (node.kind == Node::Kind::kText) {
      out += node.text;
      continue;
    }
    const auto values = evaluate(node.path, {&current});
    if (node.kind == Node::Kind::kRange) {
      for (const Json* v : values) out += render(node.body, *v);
      continue;
    }
    for (size_t i = 0; i < values.size(); ++i) out += (i ? " " : "") + print(*values[i]);
  }
  return out;
}

}  // namespace

std::optional<std::string> evaluate_jsonpath(const std::string& template_text, const Json& root) {
  try {
    size_t at = 0;
    const auto nodes = parse_nodes(template_text, at, false);
    return render(nodes, root);
  } catch (const Unsupported&) {
    return std::nullopt;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

}  // namespace pave::testing
