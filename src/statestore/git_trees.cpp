#include "statestore/git_trees.h"

#include <deque>
#include <map>
#include <optional>
#include <set>

#include "statestore/git_errors.h"
#include "statestore/git_handles.h"

namespace pave::statestore {
namespace {

// Files currently under dir in tree (full paths).
void list_files(git_repository* repo, git_tree* tree, const std::string& dir, std::set<std::string>& out) {
  git_tree* sub = tree;
  Tree owned;
  if (!dir.empty()) {
    TreeEntry entry;
    if (git_tree_entry_bypath(entry.out(), tree, dir.c_str()) != 0) return;
    if (git_tree_entry_type(entry.get()) != GIT_OBJECT_TREE) {
      out.insert(dir);
      return;
    }
    if (git_tree_lookup(owned.out(), repo, git_tree_entry_id(entry.get())) != 0) return;
    sub = owned.get();
  }
  struct Walk {
    std::set<std::string>* out;
    std::string prefix;
  } walk{&out, dir.empty() ? "" : dir + "/"};
  git_tree_walk(sub, GIT_TREEWALK_PRE, [](const char* root, const git_tree_entry* e, void* payload) -> int {
    auto* w = static_cast<Walk*>(payload);
    if (git_tree_entry_type(e) == GIT_OBJECT_BLOB) w->out->insert(w->prefix + root + git_tree_entry_name(e));
    return 0;
  }, &walk);
}

bool exists(git_tree* tree, const std::string& path) {
  if (!tree) return false;
  TreeEntry entry;
  return git_tree_entry_bypath(entry.out(), tree, path.c_str()) == 0;
}

}  // namespace

kube::Result<git_oid> tree_with_changes(git_repository* repo, git_tree* base, const std::string& prefix,
                                        const std::vector<const Change*>& changes) {
  std::map<std::string, std::optional<std::string>> final_state;  // path -> content, or nullopt: remove
  for (const Change* c : changes) {
    for (const auto& dir : c->replace_directories) {
      std::set<std::string> existing;
      if (base) list_files(repo, base, store_path(prefix, dir), existing);
      for (const auto& f : existing) final_state[f] = std::nullopt;
    }
    for (const auto& f : c->remove_files) {
      const std::string p = store_path(prefix, f);
      if (exists(base, p)) final_state[p] = std::nullopt;
    }
    for (const auto& f : c->files) final_state[store_path(prefix, f.path)] = f.content;
  }
  std::vector<git_tree_update> updates;
  std::deque<std::string> paths;  // stable storage for the path pointers in updates
  for (const auto& [path, content] : final_state) {
    git_tree_update u{};
    if (content) {
      if (int rc = git_blob_create_from_buffer(&u.id, repo, content->data(), content->size()); rc < 0) {
        return std::unexpected(git_error("write blob", rc));
      }
      u.action = GIT_TREE_UPDATE_UPSERT;
      u.filemode = GIT_FILEMODE_BLOB;
    } else {
      u.action = GIT_TREE_UPDATE_REMOVE;
    }
    paths.push_back(path);
    u.path = paths.back().c_str();
    updates.push_back(u);
  }
  git_oid out{};
  Tree empty;
  git_tree* baseline = base;
  if (!baseline) {
    git_treebuilder* builder = nullptr;
    git_oid empty_id;
    git_treebuilder_new(&builder, repo, nullptr);
    git_treebuilder_write(&empty_id, builder);
    git_treebuilder_free(builder);
    git_tree_lookup(empty.out(), repo, &empty_id);
    baseline = empty.get();
  }
  if (int rc = git_tree_create_updated(&out, repo, baseline, updates.size(), updates.data()); rc < 0) {
    return std::unexpected(git_error("build tree", rc));
  }
  return out;
}

namespace {

// The tree of commit id, or null for no commit.
kube::Status commit_tree(git_repository* repo, const git_oid* id, Tree& tree) {
  if (!id) return {};
  Commit commit;
  if (int rc = git_commit_lookup(commit.out(), repo, id); rc < 0) return std::unexpected(git_error("commit", rc));
  if (int rc = git_commit_tree(tree.out(), commit.get()); rc < 0) return std::unexpected(git_error("commit tree", rc));
  return {};
}

}  // namespace

kube::Result<std::vector<std::string>> paths_between(git_repository* repo, const git_oid* from, const git_oid* to,
                                                     const std::string& prefix) {
  Tree old_tree, new_tree;
  if (auto s = commit_tree(repo, from, old_tree); !s) return std::unexpected(s.error());
  if (auto s = commit_tree(repo, to, new_tree); !s) return std::unexpected(s.error());
  const std::string root = prefix.empty() ? "" : prefix + "/";
  git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
  // Trees only, no content diff: a pathspec keeps the walk under the store's path.
  char* spec = const_cast<char*>(prefix.c_str());
  if (!prefix.empty()) {
    opts.pathspec = {&spec, 1};
    opts.flags |= GIT_DIFF_DISABLE_PATHSPEC_MATCH;  // a literal directory prefix, not a glob
  }
  git_diff* diff = nullptr;
  if (int rc = git_diff_tree_to_tree(&diff, repo, old_tree.get(), new_tree.get(), &opts); rc < 0) {
    return std::unexpected(git_error("diff", rc));
  }
  std::set<std::string> paths;
  for (size_t i = 0, n = git_diff_num_deltas(diff); i < n; ++i) {
    const git_diff_delta* d = git_diff_get_delta(diff, i);
    for (const char* p : {d->old_file.path, d->new_file.path}) {
      const std::string path = p ? p : "";
      if (path.empty() || path.compare(0, root.size(), root) != 0) continue;
      paths.insert(path.substr(root.size()));
    }
  }
  git_diff_free(diff);
  return std::vector<std::string>(paths.begin(), paths.end());
}

}  // namespace pave::statestore
