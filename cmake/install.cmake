# `cmake --install BUILD --prefix P`: the libraries (libnjc.so with its SONAME links, libnjc.a), the public
# headers (include/njc: njc.h, njc.hpp, version.h; no internal header), the njc CLI, the CMake package
# (find_package(njc CONFIG) -> njc::njc, njc::njc_static), pkg-config's njc.pc and the Python module.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS njc_shared njc_static EXPORT njcTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/njc/njc.h ${PROJECT_SOURCE_DIR}/include/njc/njc.hpp
              ${PROJECT_BINARY_DIR}/include/njc/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/njc)
install(TARGETS njc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(NJC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/njc)
install(EXPORT njcTargets NAMESPACE njc:: DESTINATION ${NJC_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/njcConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/njcConfig.cmake INSTALL_DESTINATION ${NJC_CMAKE_DIR})
# Before 1.0 a minor version may break the API: 0.2 satisfies find_package(njc 0.2) but not 0.1 or 0.3.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/njcConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/njcConfig.cmake ${PROJECT_BINARY_DIR}/njcConfigVersion.cmake
        DESTINATION ${NJC_CMAKE_DIR})

# njc.pc finds the prefix from its own place, so the installed tree can be moved (pkgconf's ${pcfiledir}).
file(RELATIVE_PATH NJC_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(${PROJECT_SOURCE_DIR}/cmake/njc.pc.in ${PROJECT_BINARY_DIR}/njc.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/njc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
