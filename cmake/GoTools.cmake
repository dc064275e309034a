# Tools built from Go modules by a tools/<name>/build.sh that caches them outside the clone and prints the
# directory holding them.
#
# pave_go_tool_dir(VAR SCRIPT WHAT): the cache variable VAR may name such a directory; when it is empty,
# SCRIPT builds one at configure time. Either way VAR_RESOLVED is set to the directory.
function(pave_go_tool_dir var script what)
  set(${var} "" CACHE PATH "Directory with ${what} (built by ${script} when empty)")
  if(${var})
    set(_dir ${${var}})
  else()
    message(STATUS "${what}: running ${script}")
    execute_process(
      COMMAND ${CMAKE_SOURCE_DIR}/${script}
      OUTPUT_VARIABLE _dir OUTPUT_STRIP_TRAILING_WHITESPACE
      RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "${script} failed (${_rc})")
    endif()
  endif()
  message(STATUS "${what}: ${_dir}")
  set(${var}_RESOLVED ${_dir} PARENT_SCOPE)
endfunction()
