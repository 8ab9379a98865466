# Install layout and the Debian package. Included at the end of the top-level
# CMakeLists.txt, after every subdirectory, so optional targets (the CLI, the
# external drivers) are known.
#
# With CMAKE_INSTALL_PREFIX=/usr (a package, or a system install) the layout is
# the FHS one the unit expects:
#   /usr/bin/cityedged, /usr/bin/cityedge
#   /usr/lib/cityedge/drivers/*.so           external driver plugins
#   /etc/cityedge/cityedged.yaml             default config (a conffile in the .deb)
#   /usr/lib/systemd/system/cityedged.service
#   /usr/lib/sysusers.d/cityedge.conf, /usr/lib/tmpfiles.d/cityedge.conf
#   /usr/share/doc/cityedge/                 guides and the annotated example config
# With another prefix everything lands under it (etc/ included) and the
# installed unit names the binary and config there.

# The daemon's default driver_dir (proto/cityedge/v1/config.proto) is
# /usr/lib/cityedge/drivers: not the multiarch libdir on purpose, plugins are
# private to the daemon.
set(CITYEDGE_INSTALL_DRIVERDIR lib/cityedge/drivers)

if(TARGET cityedge)
  install(TARGETS cityedge RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
get_property(_cityedge_external_drivers GLOBAL PROPERTY CITYEDGE_EXTERNAL_DRIVERS)
if(_cityedge_external_drivers)
  install(TARGETS ${_cityedge_external_drivers}
    LIBRARY DESTINATION ${CITYEDGE_INSTALL_DRIVERDIR})
endif()

install(FILES ${PROJECT_SOURCE_DIR}/systemd/cityedge.sysusers.conf
  DESTINATION lib/sysusers.d RENAME cityedge.conf)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/cityedge.tmpfiles.conf
  DESTINATION lib/tmpfiles.d RENAME cityedge.conf)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/operator-guide.md
  ${PROJECT_SOURCE_DIR}/docs/driver-guide.md ${PROJECT_SOURCE_DIR}/docs/platform-integration.md
  ${PROJECT_SOURCE_DIR}/config/cityedged.example.yaml
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

# /etc is outside a /usr prefix, and the unit must name where the binary and
# config really are, so both are decided when installing (cpack installs with
# its own prefix, <staging>/usr), not when configuring.
install(CODE "set(CITYEDGE_UNIT_SOURCE \"${PROJECT_SOURCE_DIR}/systemd/cityedged.service\")
set(CITYEDGE_CONFIG_SOURCE \"${PROJECT_SOURCE_DIR}/config/cityedged.yaml\")
set(CITYEDGE_UNIT_SCRATCH \"${PROJECT_BINARY_DIR}/packaging\")")
install(CODE [[
  if(CMAKE_INSTALL_PREFIX MATCHES "^(.*)/usr/?$")
    set(_root "${CMAKE_MATCH_1}")
    set(_etc "${_root}/etc/cityedge")
    set(_run_bin "/usr/bin")
    set(_run_etc "/etc/cityedge")
  else()
    set(_etc "${CMAKE_INSTALL_PREFIX}/etc/cityedge")
    set(_run_bin "${CMAKE_INSTALL_PREFIX}/bin")
    set(_run_etc "${_etc}")
  endif()
  file(INSTALL DESTINATION "${_etc}" TYPE FILE FILES "${CITYEDGE_CONFIG_SOURCE}")
  file(READ "${CITYEDGE_UNIT_SOURCE}" _unit)
  string(REPLACE "/usr/bin/cityedged" "${_run_bin}/cityedged" _unit "${_unit}")
  string(REPLACE "/etc/cityedge/cityedged.yaml" "${_run_etc}/cityedged.yaml" _unit "${_unit}")
  file(MAKE_DIRECTORY "${CITYEDGE_UNIT_SCRATCH}")
  file(WRITE "${CITYEDGE_UNIT_SCRATCH}/cityedged.service" "${_unit}")
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
       FILES "${CITYEDGE_UNIT_SCRATCH}/cityedged.service")
]])

# --- Debian package (cpack -G DEB) ------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cityedge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "CityEdge")
set(CPACK_PACKAGE_CONTACT "CityEdge maintainers <cityedge-dev@lists.city.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "cityedged reads sensors and cameras through driver plugins, runs detection\n"
    "pipelines on the box, keeps every event in a durable SQLite journal and\n"
    "publishes it over MQTT to the city platform. Runs as a hardened systemd\n"
    "service (cityedged.service) under its own user.")
string(JOIN "" CPACK_PACKAGE_DESCRIPTION ${CPACK_PACKAGE_DESCRIPTION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://cityedge.example/")

# The architecture of the binaries, not of the build host: a cross toolchain
# file sets CITYEDGE_DEB_ARCH (cross/*.cmake).
if(CITYEDGE_DEB_ARCH)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${CITYEDGE_DEB_ARCH})
else()
  find_program(CITYEDGE_DPKG dpkg)
  if(CITYEDGE_DPKG)
    execute_process(COMMAND ${CITYEDGE_DPKG} --print-architecture
      OUTPUT_VARIABLE CPACK_DEBIAN_PACKAGE_ARCHITECTURE OUTPUT_STRIP_TRAILING_WHITESPACE)
  endif()
endif()

# Library dependencies come from dpkg-shlibdeps (exact sonames and versions of
# the libraries the binaries link). Where it cannot run (no dpkg-dev, or a
# cross build whose target libraries are not all registered with dpkg),
# CITYEDGE_DEB_SHLIBDEPS=OFF uses the Debian 12 list below instead.
option(CITYEDGE_DEB_SHLIBDEPS "Compute the .deb's library Depends with dpkg-shlibdeps" ON)
set(CITYEDGE_DEB_DEPENDS_FALLBACK
    "libc6 (>= 2.36), libstdc++6 (>= 12), libgcc-s1 (>= 3.0), libprotobuf32 (>= 3.21.12), libpaho-mqtt1.3 (>= 1.3.12), libpaho-mqttpp3-1 (>= 1.2.0), libsqlite3-0 (>= 3.40.1), libfmt9 (>= 9.1.0), libspdlog1.10-fmt9, libyaml-cpp0.7 (>= 0.7.0), libssl3 (>= 3.0.0), libsystemd0 (>= 252), libmodbus5 (>= 3.1.6)")
# libspdlog1.10-fmt9 is a virtual package (Provides of libspdlog1.10 without a
# version), so it cannot carry a version: apt would find nothing to satisfy it.
if(CIVETWEB_LIBRARY)
  string(APPEND CITYEDGE_DEB_DEPENDS_FALLBACK ", libcivetweb1 (>= 1.15+dfsg)")
endif()
if(CITYEDGE_WITH_OPENCV)
  string(APPEND CITYEDGE_DEB_DEPENDS_FALLBACK
         ", libopencv-core406, libopencv-imgproc406, libopencv-imgcodecs406, libopencv-videoio406, libopencv-video406, libopencv-objdetect406")
endif()
# systemd-sysusers and systemd-tmpfiles run from postinst.
set(_cityedge_deb_depends "systemd (>= 247)")
if(CITYEDGE_DEB_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  string(APPEND _cityedge_deb_depends ", ${CITYEDGE_DEB_DEPENDS_FALLBACK}")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${_cityedge_deb_depends}")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto-clients")

# conffiles: dpkg keeps an operator's edits of the config across upgrades.
# Maintainer scripts: packaging/deb/ (what each does is written in it).
set(_cityedge_deb_control ${PROJECT_BINARY_DIR}/packaging/deb-control)
file(MAKE_DIRECTORY ${_cityedge_deb_control})
file(WRITE ${_cityedge_deb_control}/conffiles "/etc/cityedge/cityedged.yaml\n")
foreach(script postinst prerm postrm)
  file(COPY ${PROJECT_SOURCE_DIR}/packaging/deb/${script} DESTINATION ${_cityedge_deb_control}
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                     WORLD_READ WORLD_EXECUTE)
endforeach()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_cityedge_deb_control}/conffiles ${_cityedge_deb_control}/postinst
    ${_cityedge_deb_control}/prerm ${_cityedge_deb_control}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Stripped binaries: the box has an SD card; debug info stays in the build tree.
set(CPACK_STRIP_FILES TRUE)

include(CPack)
