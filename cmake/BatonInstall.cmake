# Install rules: the libraries, the public headers, a CMake package (find_package(libbaton)) and a
# pkg-config file (pkg-config --cflags --libs libbaton).
include(CMakePackageConfigHelpers)

set(BATON_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/libbaton")

install(TARGETS baton_shared baton_static EXPORT libbatonTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(DIRECTORY include/ DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" FILES_MATCHING PATTERN "*.h")

install(EXPORT libbatonTargets NAMESPACE libbaton:: DESTINATION "${BATON_CMAKE_DIR}")
configure_package_config_file(cmake/libbatonConfig.cmake.in
  "${CMAKE_BINARY_DIR}/libbatonConfig.cmake" INSTALL_DESTINATION "${BATON_CMAKE_DIR}")
write_basic_package_version_file("${CMAKE_BINARY_DIR}/libbatonConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES "${CMAKE_BINARY_DIR}/libbatonConfig.cmake" "${CMAKE_BINARY_DIR}/libbatonConfigVersion.cmake"
  DESTINATION "${BATON_CMAKE_DIR}")

# pkg-config: the prefix is found from the .pc file's own location, so an install moved or made
# with `cmake --install --prefix` still works.
file(RELATIVE_PATH BATON_PC_PREFIX "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
string(REGEX REPLACE "/$" "" BATON_PC_PREFIX "${BATON_PC_PREFIX}")
set(BATON_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(BATON_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
configure_file(cmake/libbaton.pc.in "${CMAKE_BINARY_DIR}/libbaton.pc" @ONLY)
install(FILES "${CMAKE_BINARY_DIR}/libbaton.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
