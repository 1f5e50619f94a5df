#ifndef HOIST_CARCHIVE_SHIM_H
#define HOIST_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>
#include <isa-l/igzip_lib.h>
#include <isa-l/crc.h>
#endif
