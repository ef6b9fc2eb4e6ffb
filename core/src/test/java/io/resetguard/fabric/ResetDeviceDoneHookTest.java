package io.resetguard.fabric;

import io.resetguard.Rig;
import io.resetguard.errno.Errno;
import io.resetguard.model.ProtocolModel;
import io.resetguard.state.DeviceState;
import io.resetguard.state.StateImpl;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The {@code reset_device_done} hook fires exactly when a done() unblocks the function. */
class ResetDeviceDoneHookTest {

    private static List<PciFunction> hook(final Rig r) {
        final List<PciFunction> calls = new ArrayList<>();
        r.group.addAttachListener(new AttachListener() {
            @Override
            public void onPhysicalChange(final IommuGroup g, final PciFunction fn, final DeviceState b,
                                         final DeviceState a) {
            }

            @Override
            public void onResetDeviceDone(final IommuGroup g, final PciFunction fn) {
                calls.add(fn);
            }
        });
        return calls;
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void firesOnceOnTheOutermostDone(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.LINUX_7_1, impl);
        final List<PciFunction> calls = hook(r);
        r.group.prepare(r.a);
        r.group.prepare(r.a);
        r.group.done(r.a);
        assertEquals(List.of(), calls, "a nested done() only lowers the depth");
        r.group.done(r.a);
        assertEquals(List.of(r.a), calls);
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void aFailedResultThatKeepsTheFunctionBlockedDoesNotFire(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.RESULT_TO_DONE, impl);
        final List<PciFunction> calls = hook(r);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.EIO);
        assertEquals(List.of(), calls);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.OK);
        assertEquals(List.of(r.a), calls);
    }

    @ParameterizedTest
    @EnumSource(StateImpl.class)
    void linux70FiresEvenAfterAFailedReset(final StateImpl impl) {
        final Rig r = new Rig(ProtocolModel.LINUX_7_0, impl);
        final List<PciFunction> calls = hook(r);
        r.group.prepare(r.a);
        r.group.finishReset(r.a, Errno.EIO);
        assertEquals(List.of(r.a), calls, "7.0's done() cannot tell a failed reset from a good one");
    }
}
