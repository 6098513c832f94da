/*
 * relay.c - the issue-7 baseline: a minimal TUN <-> UDP relay with NO crypto.
 *
 * One packet per syscall (read/write on the TUN fd, sendto/recvfrom on the UDP socket), 4 MiB socket
 * buffers (SO_RCVBUFFORCE/SO_SNDBUFFORCE, root), IFF_TUN | IFF_NO_PI. Two threads, each a blocking
 * loop in one direction (TUN->UDP and UDP->TUN), so both cores can work and no poll() call is added
 * per packet. It is what a tunnel costs with zero cryptography and no batching, so "ours" can be
 * compared with it.
 *
 * usage: relay [-1] TUN_NAME LOCAL_ADDR:PORT PEER_ADDR:PORT
 *   -1: one thread with a poll() loop instead of two blocking threads (an extra poll per wake-up).
 *
 * Probe switches (environment, two-thread mode; all off by default) turn the relay, one at a time, into
 * what snek does per packet, to tell apart what a lone packet's latency pays for (bench/README.md):
 *   RELAY_SYSCALLS=snek  snek's system calls: a TUN with IFF_VNET_HDR and offloads, sendmmsg, recvmmsg
 *                        of 32 x 64 KiB slots, UDP_GRO on the socket, writev behind a virtio_net_hdr
 *   RELAY_TOUCH_PAGES=N  read one byte of N distinct pages of a 64 MiB area per packet (a memory footprint)
 *   RELAY_WORK_US=N      spin N microseconds per packet (user-space work)
 *   creates (or attaches to) TUN_NAME; the caller sets its address/MTU/link up with ip(8).
 *   IPv4 addresses only (the bench uses 198.18.0.0/16). Runs until SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define SOCK_BUF (4 * 1024 * 1024)

struct relay {
    int tun;
    int udp;
    struct sockaddr_in peer;
    unsigned long long tun_to_udp, udp_to_tun, drops; /* each counter written by one thread only */
    unsigned long long dropped_in;
};

static void die(const char *what) { perror(what); exit(1); }

/* Probe switches (see the top of the file). */
static int probe_snek_syscalls, probe_touch_pages, probe_work_us;
static unsigned char *probe_area;
static volatile unsigned probe_sink;
#define PROBE_AREA (64u << 20)
#define PROBE_SLOTS 32

static void probe_init(void)
{
    const char *e;
    probe_snek_syscalls = (e = getenv("RELAY_SYSCALLS")) && strcmp(e, "snek") == 0;
    probe_touch_pages = (e = getenv("RELAY_TOUCH_PAGES")) ? atoi(e) : 0;
    probe_work_us = (e = getenv("RELAY_WORK_US")) ? atoi(e) : 0;
    if (probe_touch_pages > 0) {
        if (!(probe_area = malloc(PROBE_AREA))) die("malloc");
        memset(probe_area, 1, PROBE_AREA);
    }
    if (probe_snek_syscalls || probe_touch_pages || probe_work_us)
        fprintf(stderr, "relay: probes: syscalls=%s touch=%d pages work=%d us\n",
                probe_snek_syscalls ? "snek" : "plain", probe_touch_pages, probe_work_us);
}

/* The same pages every time for one direction, spread over the area like a program's code and data. */
static void probe_packet(unsigned direction)
{
    for (int i = 0; i < probe_touch_pages; i++)
        probe_sink += probe_area[(((size_t)i * 2654435761u + direction) % (PROBE_AREA / 4096)) * 4096];
    if (probe_work_us > 0) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        do clock_gettime(CLOCK_MONOTONIC, &b);
        while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < probe_work_us * 1000L);
    }
}

static void parse_endpoint(const char *text, struct sockaddr_in *out)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof host) {
        fprintf(stderr, "relay: bad endpoint '%s' (want A.B.C.D:PORT)\n", text);
        exit(2);
    }
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    memset(out, 0, sizeof *out);
    out->sin_family = AF_INET;
    if (*end != '\0' || port < 1 || port > 65535 || inet_pton(AF_INET, host, &out->sin_addr) != 1) {
        fprintf(stderr, "relay: bad endpoint '%s' (want A.B.C.D:PORT)\n", text);
        exit(2);
    }
    out->sin_port = htons((unsigned short)port);
}

static int open_tun(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) die("open /dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (probe_snek_syscalls ? IFF_VNET_HDR : 0);
    if (strlen(name) >= IFNAMSIZ) { fprintf(stderr, "relay: interface name too long\n"); exit(2); }
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
    if (probe_snek_syscalls && ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) die("TUNSETOFFLOAD");
    return fd;
}

static void *tun_to_udp(void *arg)
{
    struct relay *r = arg;
    static unsigned char buf[BUF_SIZE];
    for (;;) {
        ssize_t len = read(r->tun, buf, sizeof buf);
        if (len < 0) {
            if (errno == EINTR) continue;
            die("read tun");
        }
        unsigned char *packet = buf;
        if (probe_snek_syscalls) { /* behind a virtio_net_hdr; sent with sendmmsg */
            if (len < 10) continue;
            packet += 10;
            len -= 10;
        }
        probe_packet(1);
        int sent;
        if (probe_snek_syscalls) {
            struct iovec iov = { packet, (size_t)len };
            struct mmsghdr m;
            memset(&m, 0, sizeof m);
            m.msg_hdr.msg_name = &r->peer;
            m.msg_hdr.msg_namelen = sizeof r->peer;
            m.msg_hdr.msg_iov = &iov;
            m.msg_hdr.msg_iovlen = 1;
            sent = sendmmsg(r->udp, &m, 1, 0) == 1;
        } else {
            sent = sendto(r->udp, packet, (size_t)len, 0, (struct sockaddr *)&r->peer, sizeof r->peer) >= 0;
        }
        if (!sent) r->drops++;
        else r->tun_to_udp++;
    }
    return NULL;
}

static void *udp_to_tun(void *arg)
{
    struct relay *r = arg;
    static unsigned char buf[BUF_SIZE];
    for (;;) {
        struct sockaddr_in from;
        socklen_t fromlen = sizeof from;
        ssize_t len;
        unsigned char *packet = buf;
        if (probe_snek_syscalls) { /* recvmmsg into 32 slots of 64 KiB with room for a GRO cmsg; the first counts */
            static unsigned char *slots[PROBE_SLOTS];
            static struct iovec iov[PROBE_SLOTS];
            static struct mmsghdr m[PROBE_SLOTS];
            static struct sockaddr_in names[PROBE_SLOTS];
            static char control[PROBE_SLOTS][64];
            for (int i = 0; i < PROBE_SLOTS; i++) {
                if (!slots[i] && !(slots[i] = malloc(BUF_SIZE))) die("malloc");
                iov[i] = (struct iovec){ slots[i], BUF_SIZE };
                memset(&m[i], 0, sizeof m[i]);
                m[i].msg_hdr.msg_name = &names[i];
                m[i].msg_hdr.msg_namelen = sizeof names[i];
                m[i].msg_hdr.msg_iov = &iov[i];
                m[i].msg_hdr.msg_iovlen = 1;
                m[i].msg_hdr.msg_control = control[i];
                m[i].msg_hdr.msg_controllen = sizeof control[i];
            }
            int n = recvmmsg(r->udp, m, PROBE_SLOTS, MSG_WAITFORONE, NULL);
            len = n < 0 ? -1 : (ssize_t)m[0].msg_len;
            from = names[0];
            packet = slots[0];
        } else {
            len = recvfrom(r->udp, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
        }
        if (len < 0) {
            if (errno == EINTR) continue;
            die("recvfrom");
        }
        /* Only the configured peer may inject packets. */
        if (from.sin_addr.s_addr != r->peer.sin_addr.s_addr || from.sin_port != r->peer.sin_port) {
            r->dropped_in++;
            continue;
        }
        probe_packet(2);
        int written;
        if (probe_snek_syscalls) { /* behind an all-zero virtio_net_hdr */
            static unsigned char header[10];
            struct iovec v[2] = { { header, sizeof header }, { packet, (size_t)len } };
            written = writev(r->tun, v, 2) >= 0;
        } else {
            written = write(r->tun, packet, (size_t)len) >= 0;
        }
        if (!written) r->dropped_in++;
        else r->udp_to_tun++;
    }
    return NULL;
}

/* Single-threaded variant: poll both fds, then one packet per ready fd. Ends on a stop signal. */
static void poll_loop(struct relay *r, const sigset_t *stop_signals)
{
    static unsigned char buf[BUF_SIZE];
    struct pollfd fds[2] = { { .fd = r->tun, .events = POLLIN }, { .fd = r->udp, .events = POLLIN } };
    pthread_sigmask(SIG_UNBLOCK, stop_signals, NULL);
    for (;;) {
        int n = poll(fds, 2, -1);
        if (n < 0) {
            if (errno == EINTR) return; /* a stop signal arrived */
            die("poll");
        }
        if (fds[0].revents & POLLIN) {
            ssize_t len = read(r->tun, buf, sizeof buf);
            if (len > 0) {
                if (sendto(r->udp, buf, (size_t)len, 0, (struct sockaddr *)&r->peer, sizeof r->peer) < 0) r->drops++;
                else r->tun_to_udp++;
            }
        }
        if (fds[1].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t fromlen = sizeof from;
            ssize_t len = recvfrom(r->udp, buf, sizeof buf, 0, (struct sockaddr *)&from, &fromlen);
            if (len > 0 && from.sin_addr.s_addr == r->peer.sin_addr.s_addr && from.sin_port == r->peer.sin_port) {
                if (write(r->tun, buf, (size_t)len) < 0) r->dropped_in++;
                else r->udp_to_tun++;
            }
        }
    }
}

static void on_stop(int sig) { (void)sig; }

int main(int argc, char **argv)
{
    int single = argc > 1 && strcmp(argv[1], "-1") == 0;
    if (single) {
        argv++;
        argc--;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: %s [-1] TUN_NAME LOCAL_ADDR:PORT PEER_ADDR:PORT\n", argv[0]);
        return 2;
    }
    static struct relay r;
    probe_init();
    struct sockaddr_in local;
    parse_endpoint(argv[2], &local);
    parse_endpoint(argv[3], &r.peer);

    /* Block the stop signals in every thread; main waits for them with sigwait. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    r.tun = open_tun(argv[1]);
    r.udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (r.udp < 0) die("socket");
    int size = SOCK_BUF;
    if (setsockopt(r.udp, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) die("SO_RCVBUFFORCE");
    if (setsockopt(r.udp, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0) die("SO_SNDBUFFORCE");
    if (bind(r.udp, (struct sockaddr *)&local, sizeof local) < 0) die("bind");
    if (probe_snek_syscalls) {
        int one = 1;
        if (setsockopt(r.udp, SOL_UDP, 104 /* UDP_GRO */, &one, sizeof one) < 0) die("UDP_GRO");
    }

    if (single) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns EINTR */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        fprintf(stderr, "relay (single thread): %s %s -> %s\n", argv[1], argv[2], argv[3]);
        poll_loop(&r, &stop_signals);
        fprintf(stderr, "relay: stopped; tun->udp %llu, udp->tun %llu, send errors %llu, dropped in %llu\n",
                r.tun_to_udp, r.udp_to_tun, r.drops, r.dropped_in);
        return 0;
    }

    pthread_t a, b;
    if (pthread_create(&a, NULL, tun_to_udp, &r) != 0 || pthread_create(&b, NULL, udp_to_tun, &r) != 0) {
        fprintf(stderr, "relay: pthread_create failed\n");
        return 1;
    }
    fprintf(stderr, "relay: %s %s -> %s\n", argv[1], argv[2], argv[3]);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    /* Counters are read racily; they are informational only. */
    fprintf(stderr, "relay: signal %d; tun->udp %llu, udp->tun %llu, send errors %llu, dropped in %llu\n",
            sig, r.tun_to_udp, r.udp_to_tun, r.drops, r.dropped_in);
    return 0; /* exit closes the TUN (removing the interface) and the socket */
}
