package org.altovirt.acceptance;

import io.cucumber.java.After;
import io.cucumber.java.en.Given;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;

/**
 * A host tap device for the NIC scenarios, made as docs/managing-vms.md's preparations make one
 * ({@code ip tuntap add ... mode tap}, an address, up) and removed afterwards. Making it needs
 * root (CAP_NET_ADMIN) and /dev/net/tun: where either is missing the scenario is skipped.
 * Defines {tap}, {host_ip} and {guest_ip} for the feature text.
 */
public final class NetSteps {
    private final World world;
    private String tap;

    public NetSteps(World world) {
        this.world = world;
    }

    @Given("a tap device on the host with an address")
    public void aTap() throws Exception {
        int subnet = ThreadLocalRandom.current().nextInt(1, 250);
        String name = String.format("avt%04x", ThreadLocalRandom.current().nextInt(0x10000));
        String hostIp = "10.231." + subnet + ".1";
        ip("tuntap", "add", name, "mode", "tap");
        tap = name;
        ip("addr", "add", hostIp + "/24", "dev", name);
        ip("link", "set", name, "up");
        world.workspace.define("tap", name);
        world.workspace.define("host_ip", hostIp);
        world.workspace.define("guest_ip", "10.231." + subnet + ".2");
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new TestAbortedException("no ip command here (iproute2): " + e.getMessage());
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        if (p.exitValue() != 0) {
            String out = new String(p.getInputStream().readAllBytes()).strip();
            throw new TestAbortedException("cannot make a tap device here (" + String.join(" ", command) + ": " + out
                    + "): NIC scenarios need root and /dev/net/tun");
        }
    }

    @After
    public void removeTap() throws Exception {
        if (tap != null) {
            new ProcessBuilder("ip", "link", "del", tap).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
