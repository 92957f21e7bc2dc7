/*
 * common_translator.c: wire <-> domain mappings for schema "common".
 *
 * Written once by topicgen 0.1.0 from common.yaml as a field-by-field
 * skeleton; this file is yours: topicgen never overwrites it (unless
 * --force).  Replace the plain copies with real translations (units,
 * money, identifiers) and reject what your domain cannot hold.
 */
#include "common_translator.h"

bool common_CustomerIdentity_to_domain(const common_CustomerIdentity *wire, common_CustomerIdentity_domain *out, tg_error *err)
{
    (void)err;
    out->has_email = wire->has_email;
    out->email = wire->email;
    out->has_phone = wire->has_phone;
    out->phone = wire->phone;
    out->has_name = wire->has_name;
    out->name_is_null = wire->name_is_null;
    out->name = wire->name;
    out->has_external_id = wire->has_external_id;
    out->external_id = wire->external_id;
    return true;
}

bool common_CustomerIdentity_from_domain(const common_CustomerIdentity_domain *in, common_CustomerIdentity *wire, tg_arena *arena,
        tg_error *err)
{
    (void)arena;
    (void)err;
    common_CustomerIdentity_init(wire);
    wire->has_email = in->has_email;
    wire->email = in->email;
    wire->has_phone = in->has_phone;
    wire->phone = in->phone;
    wire->has_name = in->has_name;
    wire->name_is_null = in->name_is_null;
    wire->name = in->name;
    wire->has_external_id = in->has_external_id;
    wire->external_id = in->external_id;
    return true;
}
