/* Node configurations through the real configuration engine.
 *
 * The simulator decides each node's settings (name, role, address, seeds,
 * SWIM's drawn or default keys), then writes them as the config file an
 * operator would give hsnode ([node] and [swim] sections) and reads that
 * text back through core's engine (cfgkey_parse_text, the required-key
 * check, node_config_explain): the node runs on what the engine parsed, so
 * parsing, ranges and the rules between keys are on every start's path.
 *
 * Some seeds also draw an invalid variant of a node's file (a value out of
 * range, one step outside it, a broken rule between keys, one broken
 * exactly at its boundary, a malformed value, an unknown key, a
 * missing required key, an address without a port); the engine must refuse
 * it with the status and the words the catalogue names
 * (simcheck config_refused). */
#ifndef SIMCONF_H_
#define SIMCONF_H_

#include "base.h"
#include "node_config.h"
#include "rng.h"

#define SIMCONF_TEXT_MAX 4096u
#define SIMCONF_ERR_MAX 256u

/* Writes cfg as a config file; returns the length (0 if it did not fit). */
size_t simconf_render(const node_config *cfg, char *out, size_t cap);

/* Parses a config file into out (defaults first) and checks it whole. */
HS_MUST_USE hs_status simconf_parse(const char *text, node_config *out, char *err, size_t cap);

/* One invalid variant of a valid file, and what the engine must say. */
typedef struct {
    char text[SIMCONF_TEXT_MAX];
    hs_status want_status;
    const char *want_words; /* a substring of the refusal */
    const char *what;       /* the kind of mistake, for reports */
} simconf_invalid;

/* Builds a variant (drawn from r) of the valid file text that cfg was
 * rendered from: a catalogue mistake, a [swim] key one step outside its
 * range, or a rule between keys broken exactly at its boundary. */
void simconf_make_invalid(rng *r, const char *text, const node_config *cfg,
                          simconf_invalid *out);

/* A copy of valid with a [swim] value one step outside its range written
 * straight into the struct, or the probe timeout set to the interval, as
 * a program embedding core could hand node_create; returns the words the
 * refusal must name. */
const char *simconf_make_invalid_struct(rng *r, const node_config *valid, node_config *out);

/* Whether two configs hold the same settings (the round trip's check). */
bool simconf_equal(const node_config *a, const node_config *b);

#endif /* SIMCONF_H_ */
