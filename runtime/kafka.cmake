# The Kafka half of libtopicgen_runtime: typed producer/consumer on
# librdkafka plus the config, logging and metrics modules they use.
# Included by runtime/CMakeLists.txt when TOPICGEN_KAFKA is ON (the top
# level already found PkgConfig::RDKAFKA).
find_package(Threads REQUIRED)
target_sources(topicgen_runtime_objects PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/tg_log.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_config.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_embedded.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_metrics.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_producer.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_workers.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_handle.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_test.c
  ${CMAKE_CURRENT_LIST_DIR}/tg_consumer.c)
target_link_libraries(topicgen_runtime_objects PUBLIC PkgConfig::RDKAFKA Threads::Threads)
