#pragma once
// The CLI's error convention as a test expectation: a usage error exits 2 with one
// line on stderr that starts with the program's name.

#include <gtest/gtest.h>

#include <string>

#include "support/run_process.hpp"

namespace trenchcoat::testing {

inline void expect_usage_error(const ProcessResult& r, const std::string& what) {
  EXPECT_EQ(r.status, 2) << what << "\nstdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_EQ(r.err.rfind("trenchcoat: ", 0), 0u) << what << ": " << r.err;
  ASSERT_FALSE(r.err.empty()) << what;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << what << ": more than one line: " << r.err;
}

}  // namespace trenchcoat::testing
