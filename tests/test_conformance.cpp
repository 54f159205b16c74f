// The conformance table as tests: one test per op family on every device present.
#include <gtest/gtest.h>

#include "conformance/conformance.h"

using namespace silica;



TEST(Conformance, AllOpsOnEveryDevice) {
  for (const Device& d : devices()) {
    auto s = conformance::run(d);
    EXPECT_GT(s.passed, 0);
    EXPECT_EQ(s.failed, 0) << d.str() << ": " << s.failed << " failures; first: "
                           << (s.failures.empty() ? "" : s.failures.front());
  }
}
