# topicgen_add_cat(): build a topicgen-cat (docs/tools.md) that knows the
# message types of your schemas.
#
#   topicgen_add_cat(<exe> SCHEMAS <schema.yaml>... [IMPORT_DIRS <dir>...])
#
# Generates the schemas' code into <exe> (topicgen_generate) and writes its
# main: topicgen_cat_main() (library topicgen::cat) over the descriptor
# tables <schema>_descriptors of every schema named and every schema they
# import.  The types are linked in, never read from YAML at run time, so
# the tool decodes exactly as your services do (the same generated code,
# the same runtime steps and limits).
#
# Works after add_subdirectory(topicgen) and after find_package(topicgen)
# (it uses topicgen_generate(), which must be defined: both do).

function(topicgen_add_cat exe)
  cmake_parse_arguments(TC "" "" "SCHEMAS;IMPORT_DIRS" ${ARGN})
  if(NOT TC_SCHEMAS)
    message(FATAL_ERROR "topicgen_add_cat: SCHEMAS is required")
  endif()
  if(TC_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "topicgen_add_cat: unknown arguments: ${TC_UNPARSED_ARGUMENTS}")
  endif()
  set(named "")
  foreach(schema IN LISTS TC_SCHEMAS)
    get_filename_component(schema "${schema}" ABSOLUTE)
    list(APPEND named ${schema})
  endforeach()
  set(import_dirs "")
  foreach(dir IN LISTS TC_IMPORT_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND import_dirs ${dir})
  endforeach()
  _topicgen_schema_set("${named}" "${import_dirs}" all_schemas)
  set(includes "")
  set(tables "")
  foreach(schema IN LISTS all_schemas)
    _topicgen_schema_name(${schema} name)
    string(APPEND includes "#include \"${name}.h\"\n")
    string(APPEND tables "    ${name}_descriptors,\n")
  endforeach()
  set(main ${CMAKE_CURRENT_BINARY_DIR}/topicgen_generated/${exe}_cat_main.c)
  file(CONFIGURE OUTPUT ${main} CONTENT
"/* The main of ${exe}: topicgen-cat over the schemas it was built with.
 * Written by topicgen_add_cat() - do not edit. */
#include \"topicgen_cat.h\"
@includes@
int main(int argc, char **argv)
{
    static const tg_message_desc *const *const tables[] = {
@tables@    NULL,
    };
    return topicgen_cat_main(argc, argv, tables);
}
" @ONLY)
  add_executable(${exe} ${main})
  topicgen_generate(TARGET ${exe} SCHEMAS ${named} IMPORT_DIRS ${import_dirs})
  target_link_libraries(${exe} PRIVATE topicgen::cat)
endfunction()
