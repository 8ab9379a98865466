# SPDX-License-Identifier: Apache-2.0
# Install layout and the Debian packages. Included at the end of the top-level
# CMakeLists.txt, after every subdirectory, so optional targets (the CLI, the
# external drivers, the vision worker) are known.
#
# Two install components, one .deb each, from one build:
#   core    -> cityedge: the daemon, the CLI, the unit, the reading drivers;
#              no OpenCV and no video library in its Depends
#   vision  -> cityedge-vision: the vision worker (cameras, thermal scanners,
#              vision pipelines), which Depends on cityedge of the same version
#              and on OpenCV. A box without cameras installs only cityedge.
#
# With CMAKE_INSTALL_PREFIX=/usr (a package, or a system install) the layout is
# the FHS one the unit expects:
#   /usr/bin/cityedged, /usr/bin/cityedge
#   /usr/lib/cityedge/cityedge-vision        the vision worker (cityedge-vision)
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
# The core finds the worker in lib/cityedge/ of the prefix it runs from
# (vision::WorkerSearchPaths), whatever that prefix is.
if(TARGET cityedge-vision)
  install(TARGETS cityedge-vision RUNTIME DESTINATION lib/cityedge COMPONENT vision)
endif()

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

# Man pages, printed at build time by the programs themselves from their CLI11
# definitions (daemon/cli/man_page.hpp), so they say what --help says. A cross
# build runs them through its emulator.
set(_cityedge_man_dir ${PROJECT_BINARY_DIR}/man)
file(MAKE_DIRECTORY ${_cityedge_man_dir})
set(_cityedge_man_emulator "")
if(CMAKE_CROSSCOMPILING AND CMAKE_CROSSCOMPILING_EMULATOR)
  list(JOIN CMAKE_CROSSCOMPILING_EMULATOR " " _cityedge_man_emulator)
endif()
set(_cityedge_man_pages "")
# A cross build without an emulator cannot run the programs: no man pages.
if(CMAKE_CROSSCOMPILING AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  message(STATUS "Man pages: not built (cross build without CMAKE_CROSSCOMPILING_EMULATOR)")
  set(_cityedge_man_programs "")
else()
  set(_cityedge_man_programs cityedged.8 cityedge.1)
endif()
foreach(page IN LISTS _cityedge_man_programs)
  string(REGEX MATCH "^[^.]+" _program ${page})
  string(REGEX MATCH "[0-9]$" _section ${page})
  if(NOT TARGET ${_program})
    continue()
  endif()
  add_custom_command(OUTPUT ${_cityedge_man_dir}/${page} ${_cityedge_man_dir}/${page}.gz
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${_program}>
            "-DEMULATOR=${_cityedge_man_emulator}" -DOUTPUT=${_cityedge_man_dir}/${page}
            -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    DEPENDS ${_program} ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Man page ${page} from ${_program} --man-page" VERBATIM)
  list(APPEND _cityedge_man_pages ${_cityedge_man_dir}/${page}.gz)
  install(FILES ${_cityedge_man_dir}/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_section})
endforeach()
add_custom_target(cityedge_man_pages ALL DEPENDS ${_cityedge_man_pages})

# Bash completion: one script for both programs; it asks them what to offer
# (their hidden __complete), and cityedge asks the running daemon for instances.
foreach(program cityedge cityedged)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/bash-completion/cityedge
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME ${program})
endforeach()

# Each package's /usr/share/doc/<package>: the machine-readable copyright
# (DEP-5), and a Debian changelog for this version. The packages are native
# (the project builds them, the version has no Debian revision), so the
# changelog is changelog.gz (Debian policy 12.7; lintian's
# wrong-name-for-changelog-of-native-package). Dated by the last commit, or
# SOURCE_DATE_EPOCH, so rebuilding the same tree gives the same file.
set(_cityedge_changelog_dir ${PROJECT_BINARY_DIR}/packaging/changelog)
file(MAKE_DIRECTORY ${_cityedge_changelog_dir})
find_program(CITYEDGE_GZIP gzip REQUIRED)
find_program(CITYEDGE_GIT_FOR_DATE git)
set(_cityedge_changelog_date "")
if(CITYEDGE_GIT_FOR_DATE AND EXISTS ${PROJECT_SOURCE_DIR}/.git AND
   NOT DEFINED ENV{SOURCE_DATE_EPOCH})
  execute_process(COMMAND ${CITYEDGE_GIT_FOR_DATE} -C ${PROJECT_SOURCE_DIR} log -1 --format=%ct
    OUTPUT_VARIABLE _cityedge_commit_epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_cityedge_commit_epoch MATCHES "^[0-9]+$")
    set(ENV{SOURCE_DATE_EPOCH} ${_cityedge_commit_epoch})
    string(TIMESTAMP _cityedge_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
    unset(ENV{SOURCE_DATE_EPOCH})
  endif()
endif()
if(NOT _cityedge_changelog_date)
  string(TIMESTAMP _cityedge_changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
foreach(package cityedge cityedge-vision)
  set(_dir ${_cityedge_changelog_dir}/${package})
  file(MAKE_DIRECTORY ${_dir})
  file(WRITE ${_dir}/changelog
    "${package} (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
    "  * Release ${PROJECT_VERSION}: see /usr/share/doc/cityedge/README.md.\n\n"
    " -- CityEdge maintainers <cityedge-dev@lists.city.example>  ${_cityedge_changelog_date}\n")
  execute_process(COMMAND ${CITYEDGE_GZIP} -9 -n -c ${_dir}/changelog
    OUTPUT_FILE ${_dir}/changelog.gz COMMAND_ERROR_IS_FATAL ANY)
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/deb/copyright
  ${_cityedge_changelog_dir}/cityedge/changelog.gz DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cityedge)
if(TARGET cityedge-vision)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/deb/copyright
    ${_cityedge_changelog_dir}/cityedge-vision/changelog.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cityedge-vision COMPONENT vision)
endif()

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

# --- Debian packages (cpack -G DEB) -----------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cityedge)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "CityEdge")
set(CPACK_PACKAGE_CONTACT "CityEdge maintainers <cityedge-dev@lists.city.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://cityedge.example/")

# One .deb per component, named <package>_<version>_<arch>.deb.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL core)
if(TARGET cityedge-vision)
  list(APPEND CPACK_COMPONENTS_ALL vision)
endif()
set(CPACK_DEBIAN_CORE_PACKAGE_NAME cityedge)
set(CPACK_DEBIAN_VISION_PACKAGE_NAME cityedge-vision)
set(CPACK_DEBIAN_CORE_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_VISION_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_VISION_PACKAGE_SECTION video)
# Each description's first line is its package's summary. CPackDeb puts a
# non-empty CPACK_PACKAGE_DESCRIPTION_SUMMARY before every description
# (CPackDeb.cmake), and one summary cannot fit two packages.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_COMPONENT_CORE_DESCRIPTION
    "${PROJECT_DESCRIPTION}\n"
    "cityedged reads sensors through driver plugins, runs detection pipelines on\n"
    "the box, keeps every event in a durable SQLite journal and publishes it over\n"
    "MQTT to the city platform. Runs as a hardened systemd service\n"
    "(cityedged.service) under its own user. Cameras and thermal scanners need\n"
    "the cityedge-vision package as well.")
string(JOIN "" CPACK_COMPONENT_CORE_DESCRIPTION ${CPACK_COMPONENT_CORE_DESCRIPTION})
set(CPACK_COMPONENT_VISION_DESCRIPTION
    "CityEdge vision worker: cameras and thermal scanners\n"
    "cityedge-vision is the confined process cityedged starts for each group of\n"
    "cameras and thermal fever-screening scanners in its config: it decodes the\n"
    "video (OpenCV) and runs people counting, crowd density and fever screening\n"
    "on it. Frames never leave the box, only events reach cityedged. Boxes with\n"
    "sensors only do not need it.")
string(JOIN "" CPACK_COMPONENT_VISION_DESCRIPTION ${CPACK_COMPONENT_VISION_DESCRIPTION})

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
# the libraries each package's binaries link). Where it cannot run (no
# dpkg-dev, or a cross build whose target libraries are a staged sysroot that
# dpkg does not know), CITYEDGE_DEB_SHLIBDEPS=OFF uses the Debian 12 lists
# below instead.
option(CITYEDGE_DEB_SHLIBDEPS "Compute the .deb's library Depends with dpkg-shlibdeps" ON)
set(CITYEDGE_DEB_DEPENDS_FALLBACK
    "libc6 (>= 2.36), libstdc++6 (>= 12), libgcc-s1 (>= 3.0), libprotobuf32 (>= 3.21.12), libpaho-mqtt1.3 (>= 1.3.12), libpaho-mqttpp3-1 (>= 1.2.0), libsqlite3-0 (>= 3.40.1), libfmt9 (>= 9.1.0), libspdlog1.10-fmt9, libyaml-cpp0.7 (>= 0.7.0), libssl3 (>= 3.0.0), libsystemd0 (>= 252), libmodbus5 (>= 3.1.6)")
# libspdlog1.10-fmt9 is a virtual package (Provides of libspdlog1.10 without a
# version), so it cannot carry a version: apt would find nothing to satisfy it.
if(CIVETWEB_LIBRARY)
  string(APPEND CITYEDGE_DEB_DEPENDS_FALLBACK ", libcivetweb1 (>= 1.15+dfsg)")
endif()
# The worker: OpenCV's modules the project uses (CMakeLists.txt), libseccomp
# for its sandbox, and the core's libraries its host and protocol share.
set(CITYEDGE_DEB_VISION_DEPENDS_FALLBACK
    "libc6 (>= 2.36), libstdc++6 (>= 12), libgcc-s1 (>= 3.0), libprotobuf32 (>= 3.21.12), libfmt9 (>= 9.1.0), libspdlog1.10-fmt9, libyaml-cpp0.7 (>= 0.7.0), libseccomp2 (>= 2.5.4), libopencv-core406, libopencv-imgproc406, libopencv-imgcodecs406, libopencv-videoio406, libopencv-video406, libopencv-objdetect406")
# systemd-sysusers and systemd-tmpfiles run from postinst.
set(_cityedge_deb_depends "systemd (>= 247)")
# The worker speaks the core's internal protocol: only the same version.
set(_cityedge_deb_vision_depends "cityedge (= ${CPACK_PACKAGE_VERSION})")
if(CITYEDGE_DEB_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  string(APPEND _cityedge_deb_depends ", ${CITYEDGE_DEB_DEPENDS_FALLBACK}")
  string(APPEND _cityedge_deb_vision_depends ", ${CITYEDGE_DEB_VISION_DEPENDS_FALLBACK}")
endif()
set(CPACK_DEBIAN_CORE_PACKAGE_DEPENDS "${_cityedge_deb_depends}")
set(CPACK_DEBIAN_VISION_PACKAGE_DEPENDS "${_cityedge_deb_vision_depends}")
set(CPACK_DEBIAN_CORE_PACKAGE_SUGGESTS "mosquitto-clients, cityedge-vision")

# conffiles: dpkg keeps an operator's edits of the config across upgrades.
# Maintainer scripts: packaging/deb/ (what each does is written in it). The
# worker has neither: it is a program cityedged runs, with no state of its own.
set(_cityedge_deb_control ${PROJECT_BINARY_DIR}/packaging/deb-control)
file(MAKE_DIRECTORY ${_cityedge_deb_control})
file(WRITE ${_cityedge_deb_control}/conffiles "/etc/cityedge/cityedged.yaml\n")
foreach(script postinst prerm postrm)
  file(COPY ${PROJECT_SOURCE_DIR}/packaging/deb/${script} DESTINATION ${_cityedge_deb_control}
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                     WORLD_READ WORLD_EXECUTE)
endforeach()
set(CPACK_DEBIAN_CORE_PACKAGE_CONTROL_EXTRA
    ${_cityedge_deb_control}/conffiles ${_cityedge_deb_control}/postinst
    ${_cityedge_deb_control}/prerm ${_cityedge_deb_control}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# Stripped binaries: the box has an SD card; debug info stays in the build tree.
set(CPACK_STRIP_FILES TRUE)

include(CPack)
