/* Hash variants register themselves at load time, so the table needs no central list. */
#include <stddef.h>
#include <stdint.h>

typedef uint32_t (*xxh_fn)(const void *, size_t, uint32_t);
struct xxh_variant { const char *name; xxh_fn fn; };

extern uint32_t xxh32(const void *data, size_t len, uint32_t seed);

static struct xxh_variant variants[8];
static int variant_count = 0;

static void xxh_register(const char *name, xxh_fn fn) {
    if (variant_count < 8) {
        variants[variant_count].name = name;
        variants[variant_count].fn = fn;
        variant_count++;
    }
}

__attribute__((constructor)) static void xxh_register_builtin(void) {
    xxh_register("xxh32", xxh32);
}

int xxh_variant_count(void) { return variant_count; }
