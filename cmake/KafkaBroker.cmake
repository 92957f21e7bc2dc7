# KafkaBroker.cmake: a ctest fixture that gives integration tests a real Apache
# Kafka broker (single node, KRaft, 127.0.0.1 only), run by
# scripts/kafka-broker.sh from Maven Central's jars (needs bash, Java 11+ and
# Maven; the jars are cached in ~/.m2 and ~/.cache/topicgen); and a second
# one, a three-node cluster for the tests that kill brokers (at the end).
#
# Use, in tests/CMakeLists.txt (once):
#   include(${PROJECT_SOURCE_DIR}/cmake/KafkaBroker.cmake)
#   topicgen_kafka_fixture()
# and for each test that needs a broker:
#   add_test(NAME kafka_roundtrip COMMAND test_kafka_roundtrip)
#   set_tests_properties(kafka_roundtrip PROPERTIES FIXTURES_REQUIRED kafka_broker)
# or, the same plus the environment variable below and the label "kafka":
#   topicgen_kafka_requires(kafka_roundtrip)
#
# The address: a test reads it at run time from the file
#   ${CMAKE_BINARY_DIR}/kafka-broker/bootstrap
# (one line, "host:port" or "host:port,host:port,...": a bootstrap.servers
# value).  The path is also in the variable TOPICGEN_BROKER_BOOTSTRAP_FILE and,
# for tests registered with topicgen_kafka_requires(), in the environment
# variable of the same name.  The file exists only while the broker answers.
# Topics: the broker auto-creates topics with 3 partitions; a test that needs
# another count creates its topic first, e.g. in its own fixture:
#   scripts/kafka-broker.sh create-topic ${CMAKE_BINARY_DIR}/kafka-broker NAME PARTITIONS
# Use a unique topic and group id per test: all tests share one broker.
#
# Registered tests (label "kafka"):
#   kafka_broker_start  FIXTURES_SETUP kafka_broker: fetch the jars, start the
#                       broker in ${CMAKE_BINARY_DIR}/kafka-broker, wait until it
#                       answers (its log: kafka-broker/broker.log)
#   kafka_broker_stop   FIXTURES_CLEANUP kafka_broker: stop it
#   kafka_broker_smoke  FIXTURES_REQUIRED kafka_broker: create a topic with 3
#                       partitions and check that it exists, through the script
#
# An existing cluster instead: set TOPICGEN_TEST_BROKERS (a cache variable, or
# the environment variable at configure time) to its bootstrap.servers.  Then
# the fixture starts and stops nothing (kafka_broker_start/stop are not
# registered), the bootstrap file holds that address, and tests use that
# cluster; kafka_broker_smoke still runs against it when java and mvn exist.

set(TOPICGEN_TEST_BROKERS "" CACHE STRING
  "bootstrap.servers of an existing Kafka cluster for the tests; empty: start a local broker")

function(topicgen_kafka_fixture)
  get_property(done GLOBAL PROPERTY TOPICGEN_BROKER_FIXTURE_DONE)
  if(done)
    return()
  endif()
  set_property(GLOBAL PROPERTY TOPICGEN_BROKER_FIXTURE_DONE TRUE)

  set(script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../scripts/kafka-broker.sh")
  cmake_path(NORMAL_PATH script)
  set(dir "${CMAKE_BINARY_DIR}/kafka-broker")
  set(bootstrap_file "${dir}/bootstrap")
  set(TOPICGEN_BROKER_BOOTSTRAP_FILE "${bootstrap_file}" PARENT_SCOPE)
  set_property(GLOBAL PROPERTY TOPICGEN_BROKER_BOOTSTRAP_FILE "${bootstrap_file}")
  find_program(TOPICGEN_BASH bash REQUIRED)

  set(brokers "${TOPICGEN_TEST_BROKERS}")
  if(brokers STREQUAL "" AND DEFINED ENV{TOPICGEN_TEST_BROKERS})
    set(brokers "$ENV{TOPICGEN_TEST_BROKERS}")
  endif()

  set(smoke TRUE)
  if(NOT brokers STREQUAL "")
    message(STATUS "Kafka tests use the cluster at ${brokers} (TOPICGEN_TEST_BROKERS)")
    file(MAKE_DIRECTORY "${dir}")
    # No pid file: the script then takes the bootstrap file as an external address.
    file(REMOVE "${dir}/pid")
    file(WRITE "${bootstrap_file}" "${brokers}\n")
    find_program(TOPICGEN_JAVA java)
    find_program(TOPICGEN_MVN mvn)
    if(NOT TOPICGEN_JAVA OR NOT TOPICGEN_MVN)
      set(smoke FALSE)
    endif()
  else()
    # A bootstrap file left by an earlier configure with an external cluster
    # must not outlive it; `start` writes it anew.
    if(EXISTS "${bootstrap_file}" AND NOT EXISTS "${dir}/pid")
      file(REMOVE "${bootstrap_file}")
    endif()
    add_test(NAME kafka_broker_start COMMAND ${TOPICGEN_BASH} ${script} start ${dir})
    add_test(NAME kafka_broker_stop COMMAND ${TOPICGEN_BASH} ${script} stop ${dir})
    set_tests_properties(kafka_broker_start PROPERTIES
      FIXTURES_SETUP kafka_broker LABELS kafka
      # A cold Maven download, then at most 90 s until the broker answers.
      TIMEOUT 900)
    set_tests_properties(kafka_broker_stop PROPERTIES
      FIXTURES_CLEANUP kafka_broker LABELS kafka TIMEOUT 120)
  endif()

  if(smoke)
    add_test(NAME kafka_broker_smoke
      COMMAND ${TOPICGEN_BASH} -c [[
set -eu
"$1" create-topic "$2" topicgen_smoke 3
out=$("$1" describe-topic "$2" topicgen_smoke)
printf '%s\n' "$out"
grep -q 'PartitionCount: 3' <<<"$out"
]] kafka_broker_smoke ${script} ${dir})
    set_tests_properties(kafka_broker_smoke PROPERTIES
      FIXTURES_REQUIRED kafka_broker LABELS kafka TIMEOUT 300)
  endif()
endfunction()

# topicgen_kafka_requires(TEST...): the tests need the broker; they get the
# label "kafka" and TOPICGEN_BROKER_BOOTSTRAP_FILE in their environment.
function(topicgen_kafka_requires)
  get_property(bootstrap_file GLOBAL PROPERTY TOPICGEN_BROKER_BOOTSTRAP_FILE)
  if(NOT bootstrap_file)
    message(FATAL_ERROR "topicgen_kafka_requires(): call topicgen_kafka_fixture() first")
  endif()
  foreach(t IN LISTS ARGN)
    set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED kafka_broker)
    set_property(TEST ${t} APPEND PROPERTY LABELS kafka)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
      "TOPICGEN_BROKER_BOOTSTRAP_FILE=${bootstrap_file}")
  endforeach()
endfunction()

# ---- a three-node cluster --------------------------------------------------
# Tests that kill brokers need a cluster of their own.  In tests/CMakeLists:
#   include(${PROJECT_SOURCE_DIR}/cmake/KafkaBroker.cmake)
#   topicgen_kafka_cluster_fixture()
#   add_test(NAME cluster_leader_kill COMMAND ...)
#   topicgen_kafka_cluster_requires(cluster_leader_kill)
#
# Registered tests (label "kafka_cluster"):
#   kafka_cluster_start  FIXTURES_SETUP kafka_cluster: fetch the jars, start
#                        `scripts/kafka-broker.sh start --nodes 3` in
#                        ${CMAKE_BINARY_DIR}/kafka-cluster and wait until the
#                        three nodes form one cluster (node logs:
#                        kafka-cluster/node<ID>/broker.log)
#   kafka_cluster_stop   FIXTURES_CLEANUP kafka_cluster: stop every node
# The cluster is always a local one, also with TOPICGEN_TEST_BROKERS set (its
# tests SIGKILL and restart nodes).  Without java or mvn, kafka_cluster_start
# fails saying which one is missing and ctest does not run the tests that
# require it, as with the single broker.
#
# topicgen_kafka_cluster_requires(TEST...) gives each test the label
# "kafka_cluster", RUN_SERIAL (three JVMs and the clients fill the 2 cores
# of CI: nothing else runs beside them) and, in its environment,
#   TOPICGEN_CLUSTER_DIR   the cluster's folder: pass it to the script's
#                          commands (bootstrap, create-topic, leader,
#                          kill-node, restart-node)
#   TOPICGEN_BROKER_SH     the path of scripts/kafka-broker.sh
# A test that kills a node restarts it (restart-node) before it ends, or
# leaves it for the next test to find down: tests share the cluster.
function(topicgen_kafka_cluster_fixture)
  get_property(done GLOBAL PROPERTY TOPICGEN_CLUSTER_FIXTURE_DONE)
  if(done)
    return()
  endif()
  set_property(GLOBAL PROPERTY TOPICGEN_CLUSTER_FIXTURE_DONE TRUE)
  set(script "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../scripts/kafka-broker.sh")
  cmake_path(NORMAL_PATH script)
  set(dir "${CMAKE_BINARY_DIR}/kafka-cluster")
  set_property(GLOBAL PROPERTY TOPICGEN_CLUSTER_DIR "${dir}")
  set_property(GLOBAL PROPERTY TOPICGEN_CLUSTER_SCRIPT "${script}")
  find_program(TOPICGEN_BASH bash REQUIRED)
  add_test(NAME kafka_cluster_start COMMAND ${TOPICGEN_BASH} ${script} start --nodes 3 ${dir})
  add_test(NAME kafka_cluster_stop COMMAND ${TOPICGEN_BASH} ${script} stop ${dir})
  set_tests_properties(kafka_cluster_start PROPERTIES
    FIXTURES_SETUP kafka_cluster LABELS kafka_cluster
    # A cold Maven download, then at most 90 s until the nodes answer.
    TIMEOUT 900)
  set_tests_properties(kafka_cluster_stop PROPERTIES
    FIXTURES_CLEANUP kafka_cluster LABELS kafka_cluster TIMEOUT 120)
endfunction()

function(topicgen_kafka_cluster_requires)
  get_property(dir GLOBAL PROPERTY TOPICGEN_CLUSTER_DIR)
  get_property(script GLOBAL PROPERTY TOPICGEN_CLUSTER_SCRIPT)
  if(NOT dir)
    message(FATAL_ERROR "topicgen_kafka_cluster_requires(): call topicgen_kafka_cluster_fixture() first")
  endif()
  foreach(t IN LISTS ARGN)
    set_property(TEST ${t} APPEND PROPERTY FIXTURES_REQUIRED kafka_cluster)
    set_property(TEST ${t} APPEND PROPERTY LABELS kafka_cluster)
    set_property(TEST ${t} PROPERTY RUN_SERIAL TRUE)
    set_property(TEST ${t} APPEND PROPERTY ENVIRONMENT
      "TOPICGEN_CLUSTER_DIR=${dir}" "TOPICGEN_BROKER_SH=${script}")
  endforeach()
endfunction()
