# JSON codec support of libtopicgen_runtime: the tg_json_* reader and writer,
# the arena and the shared text rules.  No dependencies beyond libc and
# no heap allocation (tests/json/alloc_test.c checks that).
target_sources(topicgen_runtime_objects PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/tg_arena.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_text.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_json_error.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_json_read.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_json_write.c)
