/*
 * debver - Debian package version comparison as deb-version(7) and dpkg's
 * verrevcmp() define it: [epoch:]upstream_version[-debian_revision], where
 * letters sort before non-letters and '~' sorts before everything, even the
 * end of the string. Used by the patches collector to tell whether a
 * -security suite offers a newer version than the one installed.
 *
 * Pure functions; no ownership.
 */
#ifndef SG_DEBVER_H
#define SG_DEBVER_H

/* <0, 0 or >0 as a is older than, equal to or newer than b. Invalid input
 * compares as dpkg would after its lenient parse (never crashes). */
int debver_cmp(const char *a, const char *b);

#endif
