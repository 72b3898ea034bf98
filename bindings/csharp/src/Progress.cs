using System;
using System.Runtime.InteropServices;

namespace Tdcm
{
    /// <summary>Progress of a fit after one epoch (for k-means, one restart): the C API's
    /// tdcm_progress, laid out as it is so that it is read in one piece.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Progress
    {
#pragma warning disable 649 // written by the marshaller only
        private int epoch;
        private int epochs;
        private double loss;
        private double lossClu;
        private double lossBal;
        private double lossOrth;
        private double elapsedSeconds;
#pragma warning restore 649

        /// <summary>Epochs (k-means: restarts) completed so far, from 1.</summary>
        public int Epoch
        {
            get { return epoch; }
        }

        /// <summary>Epochs of this fit in all (pretrain_epochs + epochs; k-means:
        /// n_init).</summary>
        public int Epochs
        {
            get { return epochs; }
        }

        /// <summary>Mean total loss of the epoch (in pretraining epochs: the reconstruction
        /// error).</summary>
        public double Loss
        {
            get { return loss; }
        }

        /// <summary>Mean clustering term.</summary>
        public double LossClu
        {
            get { return lossClu; }
        }

        /// <summary>Mean balance term, before its weight beta.</summary>
        public double LossBal
        {
            get { return lossBal; }
        }

        /// <summary>Mean orthogonality term, before its weight gamma.</summary>
        public double LossOrth
        {
            get { return lossOrth; }
        }

        /// <summary>Seconds since the fit started.</summary>
        public double ElapsedSeconds
        {
            get { return elapsedSeconds; }
        }
    }

    /// <summary>The argument of <see cref="Model.FitProgress"/>: the progress, and whether to
    /// cancel the fit.</summary>
    public sealed class ProgressEventArgs : EventArgs
    {
        internal ProgressEventArgs(Progress progress)
        {
            Progress = progress;
        }

        /// <summary>The epoch just completed and its loss terms.</summary>
        public Progress Progress { get; private set; }

        /// <summary>Set to true to cancel the fit: it then throws <see cref="TdcmException"/>
        /// with <see cref="Status.Cancelled"/> and leaves the model as it was.</summary>
        public bool Cancel { get; set; }
    }

    /// <summary>tdcm_progress_fn: what the library calls, with a tdcm_progress pointer.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int ProgressNative(IntPtr progress, IntPtr userData);
}
