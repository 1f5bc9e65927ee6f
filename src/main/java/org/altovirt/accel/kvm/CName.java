package org.altovirt.accel.kvm;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The C expression a constant stands for ({@code offsetof(struct kvm_run, io.port)}, {@code
 * sizeof(struct kvm_regs)}), so that the ABI test can ask gcc for its value. A constant without it
 * is named exactly as its C macro.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
@interface CName {
    String value();
}
