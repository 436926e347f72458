# Cross-compiling the addon for linux-arm64 on an x86-64 Debian machine with Debian's
# toolchain (apt-get install g++-aarch64-linux-gnu). scripts/prebuild.js passes this file to
# cmake-js (--CDCMAKE_TOOLCHAIN_FILE=...); the binary targets baseline armv8-a, the NEON
# kernels being chosen at run time like the AVX ones on x86-64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(POLYCHRON_CROSS_PREFIX aarch64-linux-gnu- CACHE STRING "Prefix of the cross toolchain's programs")
set(CMAKE_C_COMPILER ${POLYCHRON_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${POLYCHRON_CROSS_PREFIX}g++)

# Headers and libraries from the cross toolchain's sysroot only; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
