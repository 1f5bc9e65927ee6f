/**
 * The KVM accelerator, through JNR-FFI ioctls on {@code /dev/kvm} (docs/facts.md §5).
 *
 * <p>Use: {@link org.altovirt.accel.kvm.Kvm#open()} (checks API version 12 and the capabilities
 * altovirt needs), {@link org.altovirt.accel.kvm.KvmVm#create} with the guest memory, {@link
 * org.altovirt.accel.kvm.KvmVm#interruptLine} for each device IRQ, {@link
 * org.altovirt.accel.kvm.KvmVm#createVcpu} for each vCPU (the boot vCPU with the loader's state),
 * then {@code run()} on one thread per vCPU and {@code kick()} from anywhere. Close the VM once no
 * thread is in {@code run()} (closing kicks and waits), then the guest memory, then {@code Kvm}.
 *
 * <p>Native layouts live in {@code KvmAbi} and {@code KvmStructs} only; {@code KvmAbiTest} checks
 * every one of them against {@code linux/kvm.h} with gcc.
 */
package org.altovirt.accel.kvm;
