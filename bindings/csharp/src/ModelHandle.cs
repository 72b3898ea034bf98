using System;
using System.Runtime.InteropServices;

namespace Tdcm
{
    /// <summary>The native model pointer. The runtime adds a reference for the length of
    /// every P/Invoke call that takes it, so the model is freed only once no call uses it;
    /// its critical finalizer frees a model nobody disposed.</summary>
    internal sealed class ModelHandle : SafeHandle
    {
        public ModelHandle() : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            TdcmNative.tdcm_swig_destroy(handle);
            return true;
        }
    }
}
