/*
 * proc.h — small things the daemon asks of the operating system.
 */
#ifndef STRATD_PROC_H
#define STRATD_PROC_H

#include <sys/types.h>

/* Resident set size in kB, or -1 when /proc cannot say. */
long proc_rss_kb(void);

/* Make every directory before the last component of path (mkdir -p of its
 * parent) with the given mode. 0, or -1 with errno set and, when failed is
 * given, the directory that could not be made copied into it. */
int proc_mkdir_parents(const char *path, mode_t mode, char *failed, size_t len);

#endif
