/* Device control in the cgroup v2 hierarchy. v2 has no devices controller: the kernel asks a
 * BPF program of type CGROUP_DEVICE attached to the cgroup instead, for every open and
 * mknod of a device node. The program allows exactly what the v1 rules allow (the devfs
 * ruleset's nodes, with devpts the ptys) and denies the rest. It stays attached until the
 * cgroup is removed at stop; nothing is pinned.
 *
 * The program is a few instructions per rule, so it is put together here (as crun and runc
 * do) rather than compiled from C: no BPF compiler is needed at build or run time. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime_priv.h"
#include "util.h"

/* Per rule at most 5 instructions; 4 to load the request and 2 to deny. */
enum { MAX_INSNS = 6 + 5 * (RT_MAX_DEVNODES + 2) };

struct prog {
	struct bpf_insn insns[MAX_INSNS];
	size_t n;
};

static void emit(struct prog *p, struct bpf_insn insn)
{
	p->insns[p->n++] = insn;
}

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off,
				  .imm = imm };
}

/* r2 = type (BPF_DEVCG_DEV_*), r4 = major, r5 = minor, from struct bpf_cgroup_dev_ctx. */
static void load_request(struct prog *p)
{
	emit(p, insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));
	emit(p, insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
	emit(p, insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0));
	emit(p, insn(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0));
}

/* A character device major:minor (minor < 0: any) is allowed, whatever the access: the
 * jail cannot create nodes anyway (no CAP_MKNOD). Each test jumps past the rule. */
static void allow_char(struct prog *p, unsigned major, int minor)
{
	int16_t left = minor < 0 ? 3 : 4;
	emit(p, insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, left--, BPF_DEVCG_DEV_CHAR));
	emit(p, insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, left--, (int32_t)major));
	if (minor >= 0)
		emit(p, insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, left--, minor));
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));
	emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static void build(const struct rt_devfs *d, struct prog *p)
{
	p->n = 0;
	load_request(p);
	for (size_t i = 0; i < d->n; i++)
		allow_char(p, d->nodes[i].major, (int)d->nodes[i].minor);
	if (d->pts) {
		allow_char(p, 5, 2);     /* ptmx */
		allow_char(p, 136, -1);  /* the ptys of the jail's devpts */
	}
	emit(p, insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
	emit(p, insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

static int load(const struct prog *p)
{
	static const char license[] = "BSD";
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p->insns;
	a.insn_cnt = (uint32_t)p->n;
	a.license = (uint64_t)(uintptr_t)license;
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	return fd < 0 ? -errno : fd;
}

int rt_devcg_attach(const char *v2_dir, const struct rt_devfs *d, struct jc_error *err)
{
	struct prog p;
	build(d, &p);
	cleanup_close int prog = load(&p);
	if (prog < 0)
		return jc_error_errno(err, -prog, "%s: cannot load the device rules", v2_dir);
	cleanup_close int dir = open(v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return jc_error_errno(err, errno, "%s", v2_dir);
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dir;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	/* With programs higher up (a service manager's), every one of them must allow. */
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		return jc_error_errno(err, errno, "%s: cannot attach the device rules", v2_dir);
	return 0;
}
