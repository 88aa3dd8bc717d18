# lf_add_plugin(<name> SOURCES <src>... [LIBRARIES <lib>...] [OUTPUT_DIR <dir>] [NO_INSTALL])
#
# Builds an lfhost stage plugin the way the ABI expects (docs/ABI.md): a MODULE named
# <name>.so, hidden visibility, a version script exporting only lf_plugin_entry,
# -z defs (every symbol resolved at link time: a plugin never takes symbols from the
# host), and the SDK helper library linked statically. Used in-tree and shipped in the
# installed SDK package, so out-of-tree plugins build the same way.
set(_LF_PLUGIN_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(lf_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIR" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "lf_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    POSITION_INDEPENDENT_CODE ON)
  target_link_libraries(${name} PRIVATE lfhost::sdk ${ARG_LIBRARIES})
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${_LF_PLUGIN_CMAKE_DIR}/lfplugin.map"
    "LINKER:-z,defs")
  if(ARG_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  elseif(DEFINED LFH_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${LFH_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT ARG_NO_INSTALL AND DEFINED LFH_PLUGIN_INSTALL_DIR)
    install(TARGETS ${name} LIBRARY DESTINATION ${LFH_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
