# SPDX-License-Identifier: Apache-2.0
# cmake -DPROGRAM=<binary> -DOUTPUT=<dir>/<name>.<section> [-DEMULATOR="qemu ..."]
#       -P man_page.cmake
# Writes the manual page the program prints with --man-page (its own CLI11
# definition, daemon/cli/man_page.hpp) to OUTPUT, and OUTPUT.gz as Debian
# ships man pages: gzip -9 without a name or time stamp (-n), so the package
# is the same from one build to the next.
separate_arguments(emulator UNIX_COMMAND "${EMULATOR}")
execute_process(COMMAND ${emulator} ${PROGRAM} --man-page OUTPUT_FILE ${OUTPUT}.tmp
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --man-page exited ${rc}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
execute_process(COMMAND gzip -9 -n -c ${OUTPUT} OUTPUT_FILE ${OUTPUT}.gz RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip of ${OUTPUT} exited ${rc}")
endif()
