// Model bytes (byte[] Save(), Model.Load(byte[])) and the FitProgress event.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Tdcm;

public static partial class BindingTests
{
    public static void ModelBytesAreTheFileBytesAndLoadToTheSameLabels()
    {
        // On the CPU: a model loads there, so its parameters and bytes come back as they went.
        using (Model model = Model.Create(KMeans + " device=cpu"))
        {
            model.Fit(P1.SourceX, P1.D);
            byte[] bytes = model.Save();
            string path = Path.Combine(tmp, "bytes.tdcm");
            model.Save(path);
            Check(File.ReadAllBytes(path).SequenceEqual(bytes), "Save() is the file's bytes");
            int[] expected = model.Assign(P1.TargetX, P1.D);
            using (Model loaded = Model.Load(bytes))
            {
                Check(loaded.Parameters == model.Parameters, loaded.Parameters);
                Check(loaded.Assign(P1.TargetX, P1.D).SequenceEqual(expected), "same labels");
                Check(loaded.Save().SequenceEqual(bytes), "the same bytes again");
            }
            using (Model loaded = Model.Load(bytes, "threads=1"))
            {
                Check(loaded.Parameters.Contains("threads=1"), loaded.Parameters);
            }
            // Threads loading the same bytes at once each assign the same labels.
            var results = new int[4][];
            var threads = Enumerable.Range(0, results.Length).Select(i => new Thread(() =>
            {
                using (Model loaded = Model.Load(bytes))
                {
                    results[i] = loaded.Assign(P1.TargetX, P1.D);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Check(results.All(r => r != null && r.SequenceEqual(expected)), "every thread's labels");
        }
    }

    public static void HostileModelBytesAreBadFile()
    {
        byte[] bytes;
        using (Model model = Fitted())
        {
            bytes = model.Save();
        }
        byte[] flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x10;
        var bad = new List<byte[]>
        {
            new byte[0], bytes.Take(bytes.Length / 2).ToArray(), bytes.Take(bytes.Length - 1).ToArray(),
            bytes.Concat(new byte[] { 0 }).ToArray(), flipped
        };
        foreach (byte[] b in bad)
        {
            Fails(Status.BadFile, () => Model.Load(b));
        }
        Fails(Status.NullArgument, () => Model.Load((byte[])null));
        using (Model unfitted = Model.Create("k=3"))
        {
            Fails(Status.NotFitted, () => unfitted.Save());
        }
    }

    // k-means reports each restart; TDCM each epoch.
    private static void ExpectOncePerEpoch(string parameters, int epochs)
    {
        using (Model model = Model.Create(parameters))
        {
            var seen = new List<Progress>();
            int fitting = Thread.CurrentThread.ManagedThreadId;
            model.FitProgress += (sender, e) =>
            {
                Check(sender == model, "the sender is the model");
                Check(Thread.CurrentThread.ManagedThreadId == fitting, "on the fitting thread");
                seen.Add(e.Progress);
            };
            model.Fit(P1.SourceX, P1.D);
            Check(seen.Count == epochs, parameters + ": " + seen.Count + " calls");
            for (int i = 0; i < seen.Count; ++i)
            {
                Check(seen[i].Epoch == i + 1 && seen[i].Epochs == epochs, "epoch " + i);
                Check(seen[i].ElapsedSeconds >= 0, "elapsed");
            }
        }
    }

    public static void FitProgressIsRaisedOncePerEpoch()
    {
        ExpectOncePerEpoch("k=5 algo=kmeans n_init=4 seed=1", 4);
        ExpectOncePerEpoch("k=5 encoder=mlp hidden=16 embed_dim=8 epochs=3 seed=1", 3);
    }

    public static void FitProgressCanCancel()
    {
        using (Model model = Model.Create("k=5 algo=kmeans n_init=4 seed=1"))
        {
            model.Fit(P1.SourceX, P1.D);
            byte[] before = model.Save();
            int calls = 0;
            EventHandler<ProgressEventArgs> cancelSecond = (sender, e) => e.Cancel = ++calls >= 2;
            model.FitProgress += cancelSecond;
            Fails(Status.Cancelled, () => model.Fit(P3.SourceX, P3.D));
            Check(calls == 2, calls + " calls");
            Check(model.Save().SequenceEqual(before), "a cancelled fit leaves the model as it was");
            model.FitProgress -= cancelSecond;
            model.Fit(P1.SourceX, P1.D);
            Check(calls == 2, "no handler, no call");
        }
    }

    public static void AFitProgressHandlerThatThrowsCancelsAndFitThrowsIt()
    {
        using (Model model = Model.Create("k=5 algo=kmeans n_init=4 seed=1"))
        {
            var thrown = new InvalidOperationException("from the handler");
            int calls = 0;
            EventHandler<ProgressEventArgs> throwing = (sender, e) =>
            {
                ++calls;
                throw thrown;
            };
            model.FitProgress += throwing;
            var caught = Throws<InvalidOperationException>(() => model.Fit(P1.SourceX, P1.D));
            Check(caught == thrown && calls == 1, "the handler's exception, after one call");
            Check(!model.IsFitted, "not fitted");
            model.FitProgress -= throwing;
            model.Fit(P1.SourceX, P1.D);
            Check(model.IsFitted, "fits again");
        }
    }
}
