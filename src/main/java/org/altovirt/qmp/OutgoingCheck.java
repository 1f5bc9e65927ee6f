package org.altovirt.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.altovirt.schema.SchemaCatalog;
import org.altovirt.schema.Violation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every message the server sends against its schema before it is sent. A mismatch is a bug
 * in altovirt: in production it is logged and the message still goes out; in strict mode (the
 * test suite sets the system property {@value #STRICT_PROPERTY}) the message is replaced by a
 * GenericError naming the bug, so the test that provoked it fails.
 */
final class OutgoingCheck {
    static final String STRICT_PROPERTY = "altovirt.qmp.strict";
    private static final Logger LOG = LoggerFactory.getLogger(OutgoingCheck.class);

    private final boolean strict;

    OutgoingCheck(boolean strict) {
        this.strict = strict;
    }

    static OutgoingCheck fromSystemProperties() {
        return new OutgoingCheck(Boolean.getBoolean(STRICT_PROPERTY));
    }

    /**
     * Checks {@code message} against each schema in turn; returns null when it conforms, else a
     * description of the first mismatch (already logged).
     */
    String check(JsonNode message, JsonNode part, String... schemas) {
        for (int i = 0; i < schemas.length; i++) {
            JsonNode subject = i == 0 ? message : part;
            List<Violation> violations = SchemaCatalog.classpath().get(schemas[i]).check(subject);
            if (!violations.isEmpty()) {
                Violation v = violations.get(0);
                String what = "outgoing message does not match schemas/" + schemas[i] + " at '"
                        + v.dottedMember() + "': " + v.message();
                LOG.error("{}: {}", what, message);
                return what;
            }
        }
        return null;
    }

    boolean strict() {
        return strict;
    }
}
