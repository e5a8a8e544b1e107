/*
 * Fuzzes the trace reader (bench/trace.c, sb_trace_read).
 *
 * Input: the first byte chooses how the rest is read: bit 0 set, as a CSV
 * trace (a file named *.csv), else as a binary one (*.sbt); bit 1 set, for
 * a binary trace, the harness first writes the right CRC-32 into the
 * header's checksum field, so that mutations reach the checks behind it.
 * The rest is written to a file of its own in a temporary directory.
 *
 * Checks: the reader answers 0 or -1; on -1 a message and an empty trace;
 * on 0 every record passes sb_trace_check against the shape, and the trace
 * written back (binary and CSV) reads back equal (a version 1 or 2 trace
 * comes back as version 3 with the same shape).  AddressSanitizer catches
 * reads past the file's bytes.
 */
#include "fuzz.h"

#include <string.h>
#include <unistd.h>

#include "trace.h"

#define CRC_OFF 16
#define HDR_V3 72u
#define HDR_V2 64u

static char dir[4096];
static char path_in[2][sizeof dir + 16], path_out[2][sizeof dir + 16]; /* [0] binary, [1] CSV */

static void
cleanup(void)
{
    for (int i = 0; i < 2; i++) {
        unlink(path_in[i]);
        unlink(path_out[i]);
    }
    rmdir(dir);
}

static void
setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/trace_fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
    static const char *const ext[2] = {"sbt", "csv"};
    for (int i = 0; i < 2; i++) {
        snprintf(path_in[i], sizeof path_in[i], "%s/in.%s", dir, ext[i]);
        snprintf(path_out[i], sizeof path_out[i], "%s/out.%s", dir, ext[i]);
    }
    atexit(cleanup);
}

/* zlib's CRC-32, bit by bit (the reader's is table-driven: two ways). */
static uint32_t
crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* Writes the checksum a binary trace of body[0..n) needs into body. */
static void
fix_crc(uint8_t *body, size_t n)
{
    size_t hdr = n > 9 && body[8] == 3 ? HDR_V3 : HDR_V2;
    if (n < hdr)
        return;
    memset(body + CRC_OFF, 0, 4);
    uint32_t crc = crc32(crc32(0, body, hdr), body + hdr, n - hdr);
    for (int i = 0; i < 4; i++)
        body[CRC_OFF + i] = (uint8_t)(crc >> (8 * i));
}

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL, "cannot create %s", path);
    FUZZ_CHECK(fwrite(p, 1, n, f) == n && fclose(f) == 0, "cannot write %s", path);
}

/* A valid trace t: its records check, and it survives a round trip
 * through either encoding unchanged. */
static void
check_valid(const sb_trace *t, const char *path)
{
    char err[512];
    for (size_t i = 0; i < t->count; i++)
        FUZZ_CHECK(sb_trace_check(&t->shape, &t->recs[i], err, sizeof err) == 0,
                   "%s: record %zu was accepted but fails sb_trace_check: %s", path, i, err);
    for (int k = 0; k < 2; k++) {
        sb_trace back;
        FUZZ_CHECK(sb_trace_write(path_out[k], t, err, sizeof err) == 0,
                   "%s: accepted but cannot be written back: %s", path, err);
        FUZZ_CHECK(sb_trace_read(path_out[k], &back, err, sizeof err) == 0,
                   "%s: written back, cannot be read: %s", path, err);
        FUZZ_CHECK(
            memcmp(&back.shape, &t->shape, sizeof t->shape) == 0 && back.count == t->count &&
                (t->count == 0 || memcmp(back.recs, t->recs, t->count * sizeof *t->recs) == 0),
            "%s: changed in a round trip through %s", path, path_out[k]);
        sb_trace_free(&back);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup();
    if (size == 0)
        return 0;
    int csv = data[0] & 1;
    size_t n = size - 1;
    uint8_t *body = malloc(n ? n : 1);
    FUZZ_CHECK(body != NULL, "out of memory");
    memcpy(body, data + 1, n);
    if (!csv && (data[0] & 2))
        fix_crc(body, n);
    write_file(path_in[csv], body, n);
    free(body);

    sb_trace t;
    char err[512] = "";
    int rc = sb_trace_read(path_in[csv], &t, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == -1, "sb_trace_read returned %d", rc);
    if (rc != 0) {
        FUZZ_CHECK(err[0] != '\0', "refused without a message");
        FUZZ_CHECK(strnlen(err, sizeof err) < sizeof err, "message not terminated");
        FUZZ_CHECK(t.count == 0 && t.recs == NULL, "refused, but the trace is not empty");
        return 0;
    }
    check_valid(&t, path_in[csv]);
    sb_trace_free(&t);
    return 0;
}
