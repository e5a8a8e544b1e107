/*
 * Fuzzes the journal reader: sb_open() on an existing journal file
 * (lib/journal.c, recover()), snapshot records (checkpoints) included.
 *
 * Input: the first byte says how the rest becomes the file:
 *   bit 0 clear: the valid 128-byte header of the harness's engine shape
 *                and code_key, then the rest (frames);
 *   bit 0 set:   the rest alone, header included (or not: a short file);
 *   bit 1 set:   the harness walks the frames after the header and writes
 *                each one's magic, number and both CRC32C checksums, so
 *                that mutations reach the records behind them.
 * The header is made once, by opening an engine with a new journal in a
 * temporary directory and reading back its first 128 bytes.
 *
 * Checks: sb_open answers SB_OK, and then sb_audit passes, sb_close and a
 * second sb_open of what it left answer SB_OK again; or SB_CORRUPT,
 * SB_MISMATCH or SB_IO with a non-empty sb_last_error().  Nothing crashes
 * or reads past what it should (AddressSanitizer).
 */
#include "fuzz.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "journal.h" /* sb__crc32c */

#define DAY0 20000
#define HEADER 128u
#define FRAME_HEADER 24u
#define FRAME_MAGIC 0x314d5246u /* "FRM1" (lib/journal.c) */

static char dir[4096], path[sizeof dir + 16], tmp_path[sizeof dir + 32];
static uint8_t header[HEADER];

/* The engine every input is opened as: small, so that opening is fast. */
static void
options(sb_options *o, const char *journal)
{
    sb_options_init(o);
    o->max_locations = 2;
    o->first_day = DAY0;
    o->days = 4;
    o->windows_per_day = 2;
    o->max_people = 1024;
    o->holds_per_slot = 8;
    o->use_stock = 1;
    o->max_families = 16;
    o->max_waiting = 8;
    o->durable = SB_DURABLE_BATCH;
    for (unsigned i = 0; i < sizeof o->code_key; i++)
        o->code_key[i] = (uint8_t)(0x5b ^ i);
    o->journal = journal;
}

static void
cleanup(void)
{
    unlink(path);
    unlink(tmp_path);
    rmdir(dir);
}

static void
setup(void)
{
    /* tmpfs when there is one: every sb_open and sb_close flushes. */
    const char *tmp = getenv("TMPDIR");
    if (access("/dev/shm", W_OK) == 0)
        tmp = "/dev/shm";
    snprintf(dir, sizeof dir, "%s/journal_fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
    snprintf(path, sizeof path, "%s/journal", dir);
    snprintf(tmp_path, sizeof tmp_path, "%s.tmp", path);
    atexit(cleanup);
    sb_options o;
    options(&o, path);
    sb_engine *e;
    FUZZ_CHECK(sb_open(&o, &e) == SB_OK, "create %s: %s", path, sb_last_error());
    sb_close(e);
    int fd = open(path, O_RDONLY);
    FUZZ_CHECK(fd >= 0 && read(fd, header, HEADER) == (ssize_t)HEADER, "read header of %s", path);
    close(fd);
}

static uint32_t
get32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Gives every whole frame of f[0..n) after the header its magic, number
 * and checksums. */
static void
fix_frames(uint8_t *f, size_t n)
{
    uint64_t number = 0;
    for (size_t off = HEADER; off + FRAME_HEADER <= n; number++) {
        uint32_t len = get32(f + off + 4), magic = FRAME_MAGIC;
        if (len > n - off - FRAME_HEADER)
            break;
        memcpy(f + off, &magic, 4);
        memcpy(f + off + 8, &number, 8);
        uint32_t pcrc = sb__crc32c(0, f + off + FRAME_HEADER, len);
        memcpy(f + off + 16, &pcrc, 4);
        uint32_t hcrc = sb__crc32c(0, f + off, 20);
        memcpy(f + off + 20, &hcrc, 4);
        off += FRAME_HEADER + len;
    }
}

static void
write_file(const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FUZZ_CHECK(fd >= 0, "cannot create %s", path);
    FUZZ_CHECK(n == 0 || write(fd, p, n) == (ssize_t)n, "cannot write %s", path);
    close(fd);
}

/* Opens the file: SB_OK with an engine that passes its audit, or a clear
 * refusal.  Returns the status. */
static sb_status
open_checked(const char *what)
{
    sb_options o;
    options(&o, path);
    sb_engine *e = NULL;
    sb_status st = sb_open(&o, &e);
    FUZZ_CHECK((unsigned)st < SB_STATUS_COUNT, "%s: sb_open answered %d", what, (int)st);
    if (st != SB_OK) {
        FUZZ_CHECK(st == SB_CORRUPT || st == SB_MISMATCH || st == SB_IO,
                   "%s: sb_open answered %s (%s)", what, sb_status_name(st), sb_last_error());
        FUZZ_CHECK(sb_last_error()[0] != '\0', "%s: %s without a message", what,
                   sb_status_name(st));
        FUZZ_CHECK(e == NULL, "%s: %s, but an engine came out", what, sb_status_name(st));
        return st;
    }
    char msg[256] = "";
    sb_audit_report report;
    sb_status a = sb_audit(e, &report, msg, sizeof msg);
    FUZZ_CHECK(a == SB_OK, "%s: recovered, but the audit answers %s: %s", what, sb_status_name(a),
               msg);
    sb_close(e);
    return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0])
        setup();
    if (size == 0)
        return 0;
    size_t rest = size - 1, pre = data[0] & 1 ? 0 : HEADER, n = pre + rest;
    uint8_t *f = malloc(n ? n : 1);
    FUZZ_CHECK(f != NULL, "out of memory");
    memcpy(f, header, pre);
    memcpy(f + pre, data + 1, rest);
    if (data[0] & 2)
        fix_frames(f, n);
    write_file(f, n);
    free(f);
    if (open_checked("the input") == SB_OK)
        FUZZ_CHECK(open_checked("reopened after recovery") == SB_OK,
                   "a journal that recovered once does not recover again");
    return 0;
}
