# topicgen_generate(): generate C code from topicgen schemas at build time.
#
#   topicgen_generate(TARGET <target>
#                     SCHEMAS <schema.yaml>...
#                     [OUTPUT_DIR <dir>]      # default: ${CMAKE_CURRENT_BINARY_DIR}/topicgen
#                     [TEMPLATES <dir>]       # user template overrides
#                     [FUZZ])                 # also build a fuzz harness
#
# For each schema this runs `topicgen --no-translators` into OUTPUT_DIR when
# the schema, the generator or an override template changes, adds the
# generated <name>.c to <target>, puts OUTPUT_DIR on its include path and
# links it with topicgen::runtime.  <name> is the schema's `schema:` key.
# Translator skeletons are user code: generate them once by hand
# (`topicgen -o src/ schema.yaml`) and add them to your sources.
#
# FUZZ also generates <name>_fuzz.c (`topicgen --fuzz`) and builds it with
# <name>.c into the executable <target>_fuzz (<target>_<name>_fuzz when
# there are several schemas): with clang a libFuzzer target built with
# -fsanitize=fuzzer,address,undefined; with other compilers a program that
# replays the input files named on its command line (docs/security.md).
#
# Works after add_subdirectory(topicgen) and after find_package(topicgen).

function(topicgen_generate)
  cmake_parse_arguments(TG "FUZZ" "TARGET;OUTPUT_DIR;TEMPLATES" "SCHEMAS" ${ARGN})
  if(NOT TG_TARGET OR NOT TG_SCHEMAS)
    message(FATAL_ERROR "topicgen_generate: TARGET and SCHEMAS are required")
  endif()
  if(NOT TG_OUTPUT_DIR)
    set(TG_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/topicgen)
  endif()
  set(extra_args "")
  set(extra_deps "")
  if(TG_FUZZ)
    list(APPEND extra_args --fuzz)
  endif()
  list(LENGTH TG_SCHEMAS n_schemas)
  if(TG_TEMPLATES)
    get_filename_component(TG_TEMPLATES "${TG_TEMPLATES}" ABSOLUTE)
    list(APPEND extra_args --templates ${TG_TEMPLATES})
    file(GLOB extra_deps CONFIGURE_DEPENDS ${TG_TEMPLATES}/*.mustache)
  endif()
  foreach(schema IN LISTS TG_SCHEMAS)
    get_filename_component(schema "${schema}" ABSOLUTE)
    # Output names come from the schema's `schema:` key; re-read it when the
    # file changes.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${schema})
    file(STRINGS ${schema} name_line REGEX "^schema:[ \t]*[A-Za-z_][A-Za-z0-9_]*")
    string(REGEX REPLACE "^schema:[ \t]*([A-Za-z_][A-Za-z0-9_]*).*" "\\1" name "${name_line}")
    if(NOT name)
      message(FATAL_ERROR "topicgen_generate: ${schema} has no 'schema: <name>' line")
    endif()
    set(outputs ${TG_OUTPUT_DIR}/${name}.h ${TG_OUTPUT_DIR}/${name}.c
                ${TG_OUTPUT_DIR}/${name}_translator.h)
    if(TG_FUZZ)
      list(APPEND outputs ${TG_OUTPUT_DIR}/${name}_fuzz.c)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND topicgen::topicgen --no-translators ${extra_args} -o ${TG_OUTPUT_DIR} ${schema}
      DEPENDS ${schema} topicgen::topicgen ${extra_deps}
      COMMENT "topicgen: generating ${name}.h/.c from ${schema}"
      VERBATIM)
    target_sources(${TG_TARGET} PRIVATE ${TG_OUTPUT_DIR}/${name}.c ${TG_OUTPUT_DIR}/${name}.h)
    if(TG_FUZZ)
      set(fuzz ${TG_TARGET}_fuzz)
      if(n_schemas GREATER 1)
        set(fuzz ${TG_TARGET}_${name}_fuzz)
      endif()
      add_executable(${fuzz} ${TG_OUTPUT_DIR}/${name}_fuzz.c ${TG_OUTPUT_DIR}/${name}.c)
      target_include_directories(${fuzz} PRIVATE ${TG_OUTPUT_DIR})
      target_link_libraries(${fuzz} PRIVATE topicgen::runtime)
      if(CMAKE_C_COMPILER_ID MATCHES "Clang")
        target_compile_options(${fuzz} PRIVATE -fsanitize=fuzzer,address,undefined)
        target_link_options(${fuzz} PRIVATE -fsanitize=fuzzer,address,undefined)
      else()
        target_compile_definitions(${fuzz} PRIVATE TOPICGEN_FUZZ_MAIN)
      endif()
    endif()
  endforeach()
  target_include_directories(${TG_TARGET} PUBLIC ${TG_OUTPUT_DIR})
  target_link_libraries(${TG_TARGET} PUBLIC topicgen::runtime)
endfunction()
