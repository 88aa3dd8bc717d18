# Installing the SDK: headers under include/lf, the static helper library, a CMake
# package (find_package(lfhost-sdk) -> lfhost::sdk and lf_add_plugin()) and a pkg-config
# file. Everything is in the "sdk" component, so
#   cmake --install <build> --prefix <dir> --component sdk
# installs exactly what an out-of-tree plugin author needs.
include(CMakePackageConfigHelpers)

set(LF_SDK_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/lfhost-sdk)

# The ABI version, read from the header so there is one source of truth.
file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/include/lf/lf_plugin.h _lf_abi_lines
     REGEX "^#define LF_ABI_(MAJOR|MINOR) [0-9]+")
string(REGEX REPLACE ".*LF_ABI_MAJOR ([0-9]+).*" "\\1" LF_SDK_ABI_MAJOR "${_lf_abi_lines}")
string(REGEX REPLACE ".*LF_ABI_MINOR ([0-9]+).*" "\\1" LF_SDK_ABI_MINOR "${_lf_abi_lines}")

# Exported as lfhost::sdk, the same name the in-tree alias uses.
set_target_properties(lfhost-sdk PROPERTIES EXPORT_NAME sdk)
install(TARGETS lfhost-sdk EXPORT lfhost-sdk-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT sdk)
install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/lf
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT sdk
        FILES_MATCHING PATTERN "*.h")
install(EXPORT lfhost-sdk-targets NAMESPACE lfhost::
        DESTINATION ${LF_SDK_PACKAGE_DIR} COMPONENT sdk)

configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/lfhost-sdk-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/lfhost-sdk-config.cmake
  INSTALL_DESTINATION ${LF_SDK_PACKAGE_DIR})
# The SDK version follows the project; ABI compatibility is the ABI major (checked by
# the host at load time), so any SDK of the same major builds compatible plugins.
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/lfhost-sdk-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lfhost-sdk-config.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/lfhost-sdk-config-version.cmake
              ${PROJECT_SOURCE_DIR}/cmake/LfhostPlugin.cmake
              ${PROJECT_SOURCE_DIR}/cmake/lfplugin.map
        DESTINATION ${LF_SDK_PACKAGE_DIR} COMPONENT sdk)

# pkg-config: relocatable (paths relative to the .pc file), so an SDK installed with
# `cmake --install --prefix` anywhere works without editing.
file(RELATIVE_PATH LF_SDK_PC_TO_PREFIX
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" LF_SDK_PC_TO_PREFIX "${LF_SDK_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/lfhost-sdk.pc.in
               ${CMAKE_CURRENT_BINARY_DIR}/lfhost-sdk.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/lfhost-sdk.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT sdk)
