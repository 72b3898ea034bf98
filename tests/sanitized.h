// TDCM_TEST_SANITIZED: defined when ASan or TSan replaces malloc in this build
// (clang says so through __has_feature, gcc through __SANITIZE_*__), where a
// test measures the heap through the sanitizer and cannot limit address space.
#pragma once

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TDCM_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TDCM_TEST_SANITIZED 1
#endif
