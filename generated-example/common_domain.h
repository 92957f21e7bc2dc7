/*
 * common_domain.h: domain types for schema "common".
 *
 * Written once by topicgen 0.1.0 from common.yaml as a starting point;
 * this file is yours: topicgen never overwrites it (unless --force).  Shape
 * the types the way your application wants them; common_translator.c maps
 * wire messages onto them.
 */
#ifndef TOPICGEN_COMMON_DOMAIN_H_INCLUDED
#define TOPICGEN_COMMON_DOMAIN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"

typedef struct common_CustomerIdentity_domain {
    bool has_email;
    tg_str email;
    bool has_phone;
    tg_str phone;
    bool has_name;
    bool name_is_null;
    tg_str name;
    bool has_external_id;
    tg_str external_id;
} common_CustomerIdentity_domain;

#endif /* TOPICGEN_COMMON_DOMAIN_H_INCLUDED */
