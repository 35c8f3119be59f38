// zlib, for reading deflate-compressed zip entries (OSV database exports).
#include <zlib.h>
