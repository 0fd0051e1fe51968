/* subid-files.h: one user's subordinate ranges, read where the system
 * keeps them: /etc/subuid and /etc/subgid directly, unless nsswitch.conf
 * names another source, which only libsubid (loaded then) can ask. */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "userns.h"

/* The ranges of user, whose uid is uid (the files list a user by name or
 * by uid number), in file order.
 * Returns the count (0 when none) or a negative errno with err set. */
int subid_files_ranges(const char *user, unsigned long uid, int is_gid, struct id_range **out, struct error *err);

/* The parts, for tests. */
/* Whether the nsswitch.conf at path names a `subid:` source other than
 * `files` (shadow's libsubid takes the first word of that line); a missing
 * file names none. */
bool subid_files_other_source(const char *nsswitch_path);
/* The well-formed lines of user (by name or uid number) in the file at
 * path, which holds everybody's. A missing file holds none. */
int subid_files_read(const char *path, const char *user, unsigned long uid, struct id_range **out,
                     struct error *err);
