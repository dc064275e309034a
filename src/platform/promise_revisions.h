// PromiseRevisions (kratix-spec.md 1.3, 2.1 step 4, 6.4): each version of a Promise (its
// kratix.io/promise-version label; "not-set" without one) is kept as a PromiseRevision holding the spec it
// had, owned by the Promise, named <promise>-<first five hex digits of md5(version)>. The revision of the
// version last applied is the latest: labelled kratix.io/latest-revision=true and status.latest, and no
// other revision of the Promise is. A compound Promise's requirement is met by a revision of the version it
// asks for, so upgrading a required Promise keeps an older pinned version satisfied while its revision
// exists.
#pragma once

#include <string>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"

namespace pave::platform {

inline constexpr const char* kLabelLatestRevision = "kratix.io/latest-revision";
inline constexpr const char* kVersionNotSet = "not-set";

// The version a Promise's revision is of, and that revision's name.
std::string revision_version(const kube::Json& promise);
std::string revision_name(const std::string& promise, const std::string& version);

// The revision object as it should be for the Promise now (the latest).
kube::Json desired_revision(const kube::Json& promise);

// Makes the Promise's current version its latest revision: created (Event RevisionCreated) or updated,
// then every other revision of the Promise loses the latest label and status. revisions: the cache of
// PromiseRevisions, indexed by kPromiseIndex.
kube::Status apply_revision(const kube::Client& client, kube::EventRecorder& events, const kube::Informer& revisions,
                            const kube::Json& promise);

// Whether a revision of this Promise at this version exists (in the cache).
bool has_revision(const kube::Informer& revisions, const std::string& promise, const std::string& version);

// PromiseRevisions by their Promise: "<promise>".
inline constexpr const char* kRevisionPromiseIndex = "revision-promise";
kube::IndexFunc revision_promise_index();

}  // namespace pave::platform
