/* topicgen_cat.h: the library behind topicgen-cat, a schema-aware topic tool
 * (docs/tools.md).  Installed with the runtime (CMake target topicgen::cat).
 *
 * The message types a topicgen-cat knows are LINKED IN: the generated
 * descriptor tables (<schema>_descriptors[], one per schema) of the schemas
 * it was built with (topicgen_add_cat() in CMake writes the main that passes
 * them).  Values are decoded and re-encoded by the generated code through
 * the runtime's own handling steps (tg-schema and version check, decode with
 * the arena limits of topicgen.arena.*), so the tool's verdict on a record
 * is the service's.  The schema YAML is never read at run time.
 *
 * Thread-safety: one call at a time per process (it owns stdout and the
 * process's signal disposition while it runs). */
#ifndef TOPICGEN_CAT_H
#define TOPICGEN_CAT_H

#include "tg_message.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run topicgen-cat with argv (argv[0] the program's name, argv[1] the verb).
 * tables: NULL-terminated list of descriptor tables (each a
 * NULL-terminated <schema>_descriptors array), borrowed; may be NULL or
 * empty for a tool without types (dlq verbs and consume --raw still work).
 * Returns the exit status (docs/tools.md): 0 success, 1 some record did
 * not decode / some line was refused or failed / some dead letter was
 * skipped, 2 usage, 3 Kafka or I/O error. */
int topicgen_cat_main(int argc, char **argv, const tg_message_desc *const *const *tables);

#ifdef __cplusplus
}
#endif

#endif /* TOPICGEN_CAT_H */
