// Kubernetes' name and label rules with apimachinery's messages, as the webhooks quote them.
#include <gtest/gtest.h>

#include "kube/validation.h"

namespace pave::kube {
namespace {

TEST(Validation, LabelKeysAndValues) {
  EXPECT_TRUE(qualified_name_errors("kratix.io/promise-name").empty());
  EXPECT_TRUE(qualified_name_errors("app").empty());
  EXPECT_EQ(join(qualified_name_errors("a/b/c")),
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
            "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
  EXPECT_EQ(join(qualified_name_errors("Bad_Prefix/x")),
            "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_EQ(qualified_name_errors(std::string(64, 'a')), std::vector<std::string>{"name part must be no more than 63 characters"});

  EXPECT_TRUE(label_value_errors("").empty());
  EXPECT_TRUE(label_value_errors("v1.0_x-y").empty());
  EXPECT_EQ(join(label_value_errors("-bad")),
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
            "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(label_value_errors(std::string(64, 'a')), std::vector<std::string>{"must be no more than 63 characters"});
  // Values far too long are refused on length alone (matching them could exhaust the stack).
  EXPECT_EQ(label_value_errors(std::string(1 << 20, '-')), std::vector<std::string>{"must be no more than 63 characters"});
  EXPECT_EQ(qualified_name_errors(std::string(1 << 20, 'a')), std::vector<std::string>{"name part must be no more than 63 characters"});
}

TEST(Validation, Rfc1123LabelsAndSubdomains) {
  EXPECT_TRUE(dns1123_label_errors("main-0").empty());
  EXPECT_EQ(join(dns1123_label_errors("Main")),
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
            "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
            "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  EXPECT_EQ(dns1123_label_errors(std::string(64, 'a')).size(), 1u);
  EXPECT_TRUE(dns1123_subdomain_errors("pave-webhook.kratix-platform-system.svc").empty());
  EXPECT_FALSE(dns1123_subdomain_errors("a..b").empty());
}

}  // namespace
}  // namespace pave::kube
