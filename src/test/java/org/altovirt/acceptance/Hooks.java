package org.altovirt.acceptance;

import io.cucumber.java.After;

/** Ends whatever a scenario started, pass or fail. */
public final class Hooks {
    private final World world;

    public Hooks(World world) {
        this.world = world;
    }

    @After
    public void cleanUp() throws Exception {
        world.close();
    }
}
