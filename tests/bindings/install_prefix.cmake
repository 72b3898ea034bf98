# cmake -DBUILD_DIR=... -DPREFIX=... -P install_prefix.cmake
# A fresh install of the build tree into PREFIX, as `cmake --install` does it.
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
                OUTPUT_QUIET RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed: ${result}")
endif()
message(STATUS "installed into ${PREFIX}")
