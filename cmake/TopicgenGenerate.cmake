# topicgen_generate(): generate C code from topicgen schemas at build time.
#
#   topicgen_generate(TARGET <target>
#                     SCHEMAS <schema.yaml>...
#                     [OUTPUT_DIR <dir>]      # default: ${CMAKE_CURRENT_BINARY_DIR}/topicgen_generated/<target>
#                     [SKELETONS_DIR <dir>]   # your translator skeletons and domain headers
#                     [TEMPLATES <dir>]       # user template overrides
#                     [JSON_ONLY]             # codecs only: no Kafka wrappers
#                     [FUZZ])                 # also build a fuzz harness
#
# For each schema (<name> is its `schema:` key) this runs topicgen when the
# schema, the generator or an override template changes, and adds to
# <target> every file it generates into OUTPUT_DIR:
#   <name>.h, <name>.c               message structs and JSON codecs
#   <name>_kafka.h, <name>_kafka.c   typed producer/consumer wrappers (when
#                                    the runtime was built with Kafka and
#                                    JSON_ONLY is not given)
#   <name>_translator.h              with SKELETONS_DIR only, see below
# It puts OUTPUT_DIR on <target>'s include path and links topicgen::runtime,
# or with JSON_ONLY topicgen::json alone (libc only, no librdkafka).
#
# SKELETONS_DIR names a folder of your source tree for the files that are
# yours once written: <name>_domain.h and <name>_translator.c.  The build
# writes a missing one there as a skeleton and never overwrites it (edit and
# commit it).  The folder joins the include path and <name>_translator.c
# joins <target>'s sources.  Without SKELETONS_DIR no translator layer is
# generated (the translator header would include a domain header that does
# not exist).
#
# FUZZ also generates <name>_fuzz.c (`topicgen --fuzz`) and builds it with
# <name>.c into the executable <target>_fuzz (<target>_<name>_fuzz when
# there are several schemas): with clang a libFuzzer target built with
# -fsanitize=fuzzer,address,undefined; with other compilers a program that
# replays the input files named on its command line (docs/security.md).
#
# Works after add_subdirectory(topicgen) and after find_package(topicgen).

# <name> of a schema file: its `schema:` line, re-read when the file changes.
function(_topicgen_schema_name schema out_var)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${schema})
  file(STRINGS ${schema} name_line REGEX "^schema:[ \t]*[A-Za-z_][A-Za-z0-9_]*")
  string(REGEX REPLACE "^schema:[ \t]*([A-Za-z_][A-Za-z0-9_]*).*" "\\1" name "${name_line}")
  if(NOT name)
    message(FATAL_ERROR "topicgen_generate: ${schema} has no 'schema: <name>' line")
  endif()
  set(${out_var} ${name} PARENT_SCOPE)
endfunction()

# The translator source of one schema joins the target.  When it does not
# exist yet, the generation step writes it (topicgen never overwrites a
# skeleton) and declares it as an output, so the first build compiles it;
# its appearance re-runs CMake, after which it is an ordinary source (so
# that no `clean` can ever delete a file the user edited).
function(_topicgen_skeletons target name skeletons_dir outputs_var)
  set(translator_c ${skeletons_dir}/${name}_translator.c)
  target_sources(${target} PRIVATE ${translator_c})
  set(${outputs_var} "" PARENT_SCOPE)
  get_property(declared GLOBAL PROPERTY _TOPICGEN_FIRST_SKELETONS)
  if(NOT EXISTS ${translator_c} AND NOT translator_c IN_LIST declared)
    # One rule per file, however many targets share the folder.
    set_property(GLOBAL APPEND PROPERTY _TOPICGEN_FIRST_SKELETONS ${translator_c})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${translator_c})
    set(${outputs_var} ${translator_c} PARENT_SCOPE)
  endif()
endfunction()

function(_topicgen_fuzz_target target name output_dir n_schemas)
  set(fuzz ${target}_fuzz)
  if(n_schemas GREATER 1)
    set(fuzz ${target}_${name}_fuzz)
  endif()
  add_executable(${fuzz} ${output_dir}/${name}_fuzz.c ${output_dir}/${name}.c)
  target_include_directories(${fuzz} PRIVATE ${output_dir})
  target_link_libraries(${fuzz} PRIVATE topicgen::json)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    target_compile_options(${fuzz} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${fuzz} PRIVATE -fsanitize=fuzzer,address,undefined)
  else()
    target_compile_definitions(${fuzz} PRIVATE TOPICGEN_FUZZ_MAIN)
  endif()
endfunction()

function(topicgen_generate)
  cmake_parse_arguments(TG "FUZZ;JSON_ONLY" "TARGET;OUTPUT_DIR;SKELETONS_DIR;TEMPLATES" "SCHEMAS"
                        ${ARGN})
  if(NOT TG_TARGET OR NOT TG_SCHEMAS)
    message(FATAL_ERROR "topicgen_generate: TARGET and SCHEMAS are required")
  endif()
  if(TG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "topicgen_generate: unknown arguments: ${TG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TG_OUTPUT_DIR)
    set(TG_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR}/topicgen_generated/${TG_TARGET})
  endif()
  get_filename_component(TG_OUTPUT_DIR "${TG_OUTPUT_DIR}" ABSOLUTE BASE_DIR ${CMAKE_CURRENT_BINARY_DIR})
  set(args "")
  set(extra_deps "")
  if(TG_FUZZ)
    list(APPEND args --fuzz)
  endif()
  if(TG_SKELETONS_DIR)
    get_filename_component(TG_SKELETONS_DIR "${TG_SKELETONS_DIR}" ABSOLUTE
                           BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND args --skeletons ${TG_SKELETONS_DIR})
  else()
    list(APPEND args --no-translators)
  endif()
  if(TG_TEMPLATES)
    get_filename_component(TG_TEMPLATES "${TG_TEMPLATES}" ABSOLUTE)
    list(APPEND args --templates ${TG_TEMPLATES})
    file(GLOB extra_deps CONFIGURE_DEPENDS ${TG_TEMPLATES}/*.mustache)
  endif()
  get_property(has_kafka GLOBAL PROPERTY TOPICGEN_RUNTIME_HAS_KAFKA)
  set(runtime topicgen::runtime)
  if(TG_JSON_ONLY)
    set(has_kafka OFF)
    set(runtime topicgen::json)
  endif()
  list(LENGTH TG_SCHEMAS n_schemas)
  foreach(schema IN LISTS TG_SCHEMAS)
    get_filename_component(schema "${schema}" ABSOLUTE)
    _topicgen_schema_name(${schema} name)
    set(outputs ${TG_OUTPUT_DIR}/${name}.h ${TG_OUTPUT_DIR}/${name}.c
                ${TG_OUTPUT_DIR}/${name}_kafka.h ${TG_OUTPUT_DIR}/${name}_kafka.c)
    set(sources ${TG_OUTPUT_DIR}/${name}.h ${TG_OUTPUT_DIR}/${name}.c)
    if(has_kafka)
      list(APPEND sources ${TG_OUTPUT_DIR}/${name}_kafka.h ${TG_OUTPUT_DIR}/${name}_kafka.c)
    endif()
    if(TG_SKELETONS_DIR)
      list(APPEND outputs ${TG_OUTPUT_DIR}/${name}_translator.h)
      list(APPEND sources ${TG_OUTPUT_DIR}/${name}_translator.h)
      _topicgen_skeletons(${TG_TARGET} ${name} ${TG_SKELETONS_DIR} first_skeleton)
      list(APPEND outputs ${first_skeleton})
    endif()
    if(TG_FUZZ)
      list(APPEND outputs ${TG_OUTPUT_DIR}/${name}_fuzz.c)
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND topicgen::topicgen ${args} -o ${TG_OUTPUT_DIR} ${schema}
      DEPENDS ${schema} topicgen::topicgen ${extra_deps}
      COMMENT "topicgen: generating ${name} from ${schema}"
      VERBATIM)
    target_sources(${TG_TARGET} PRIVATE ${sources})
    if(TG_FUZZ)
      _topicgen_fuzz_target(${TG_TARGET} ${name} ${TG_OUTPUT_DIR} ${n_schemas})
    endif()
  endforeach()
  target_include_directories(${TG_TARGET} PUBLIC ${TG_OUTPUT_DIR})
  if(TG_SKELETONS_DIR)
    target_include_directories(${TG_TARGET} PUBLIC ${TG_SKELETONS_DIR})
  endif()
  target_link_libraries(${TG_TARGET} PUBLIC ${runtime})
endfunction()
