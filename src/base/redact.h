// Keeping credentials out of what Pave shows: a URL may carry a user and password
// (https://user:token@host/repo.git), and libgit2 and curl repeat URLs in their errors, which end up in
// status conditions, Events and logs.
#pragma once

#include <string>
#include <string_view>

namespace pave::base {

// text with the user information of every URL in it ("scheme://user:password@") replaced by
// "scheme://redacted@"; "https://host/x" and text without URLs come back unchanged.
std::string redact_credentials(std::string_view text);

}  // namespace pave::base
