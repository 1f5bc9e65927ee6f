package org.altovirt.machine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version altovirt announces in the QMP greeting and {@code query-version}: QEMU 5.0.1 for
 * the protocol (docs/facts.md §1: Kata's govmm refuses major < 5) and altovirt's own in
 * {@code package}.
 */
public record QmpVersion(int major, int minor, int micro, String packageName) {
    /** This build: protocol 5.0.1, package "altovirt-" + the Maven project version. */
    public static QmpVersion current() {
        return new QmpVersion(5, 0, 1, "altovirt-" + altovirtVersion());
    }

    /** altovirt's own version, from the build. */
    public static String altovirtVersion() {
        try (InputStream in = QmpVersion.class.getResourceAsStream("/altovirt-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code {"qemu":{"major":..,"minor":..,"micro":..},"package":..}}. */
    public ObjectNode toJson() {
        ObjectNode v = JsonNodeFactory.instance.objectNode();
        v.putObject("qemu").put("micro", micro).put("minor", minor).put("major", major);
        v.put("package", packageName);
        return v;
    }

    /** {@code {"QMP":{"version":...,"capabilities":[]}}}. */
    public ObjectNode greeting() {
        ObjectNode g = JsonNodeFactory.instance.objectNode();
        ObjectNode qmp = g.putObject("QMP");
        qmp.set("version", toJson());
        qmp.putArray("capabilities");
        return g;
    }
}
