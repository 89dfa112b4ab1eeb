// Shapes of the second outside pass (issue 16): members of every kind, scopes through helpers and guards,
// embedded statements where a 'using' declaration cannot go, singletons read through 'using static' and patterns.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Tenancy;
using static Legacy.Globals;

namespace Corpus.SecondPass
{
    public sealed class Finalized
    {
        ~Finalized() { _ = Wiki.Db; }                                         // the GC runs it: enter a scope
    }

    public sealed class Disposer : IDisposable
    {
        void IDisposable.Dispose() { _ = Wiki.Db; }                          // explicit implementation: enter a scope
    }

    public record Person(string Name)
    {
        public string Root { get; } = Wiki.Storage.Root;                      // an initializer: no fix
        public string Folder { get; init; } = "";
        public string Home => Wiki.Storage.GetPath(Name);
    }

    public readonly record struct Money(decimal Value)
    {
        public static Money operator +(Money a, Money b) { _ = Wiki.Db; return new(a.Value + b.Value); }
        public static implicit operator decimal(Money m) { _ = Wiki.Db; return m.Value; }
    }

    public sealed class Bus
    {
        private Action? _handlers;
        public event Action Changed { add { _ = Wiki.Db; _handlers += value; } remove { _handlers -= value; } }
        public string this[string key] => Wiki.Storage.GetPath(key);
    }

    public interface IRenderer
    {
        string Render() => Wiki.Storage.Root;                                  // a default member
    }

    public static class Extensions
    {
        public static string Rooted(this string name) => Wiki.Storage.GetPath(name);
    }

    public partial class Split
    {
        partial void Go();
        public partial string Label { get; }
    }

    public partial class Split
    {
        partial void Go() { _ = Wiki.Db; }
        public partial string Label => Wiki.Storage.Root;
    }

    public class Lambdas
    {
        public Func<int, int> Explicit = int (int x) => Wiki.Storage.Root.Length + x;
        public Func<Task<int>> StaticAsync = static async () => { await Task.Yield(); return Wiki.Storage.Root.Length; };
        public Func<string, int> Simple = s => Wiki.Storage.GetPath(s).Length;
        public Func<string, Task<int>> SimpleAsync = async s => { await Task.Yield(); return Wiki.Storage.GetPath(s).Length; };

        public IEnumerable<string> Generic<T>(IEnumerable<T> items) where T : notnull =>
            items.Select(i => Wiki.Storage.GetPath(i.ToString()!));

        public int Local()
        {
            return Count() + Twice(2);
            static int Count() => Wiki.Storage.Root.Length;
            int Twice(int n) => n * Wiki.Storage.Root.Length;
        }
    }

    public class Scopes
    {
        private static TenantScope Open(string tenant) => TenantContext.Enter(tenant);

        public void Helper(string t) { using (Open(t)) { _ = Wiki.Db; } }
        public void HelperDeclaration(string t) { using var s = Open(t); _ = Wiki.Db; }
        public void Guarded(string[] tenants) { foreach (var t in tenants) { if (!TenantContext.IsActive) continue; _ = Wiki.Db; } }
        public void Compared() { if (TenantContext.IsActive is false) return; _ = Wiki.Db; }
        public void Assigned(string t) { TenantScope? s = null; try { s = TenantContext.Enter(t); _ = Wiki.Db; } finally { s?.Dispose(); } }
        public void NullChecked(string t) { var s = TenantContext.Enter(t); _ = Wiki.Db; if (s is not null) s.Dispose(); }

        public void Embedded(string t, bool b) { if (b) TenantContext.Enter(t); }              // no 'using' declaration here
        public void Loop(string t, int n) { for (var i = 0; i < n; i++) TenantContext.Enter(t); }
        public Action Lambda(string t) => () => TenantContext.Enter(t);
        public void Two(string t) { TenantScope a = TenantContext.Enter(t), b = TenantContext.Enter(t); _ = Wiki.Db; }
        public void Section(string t, int k) { switch (k) { case 1: { TenantContext.Enter(t); _ = Wiki.Db; break; } } }
        public void Nested(string t) { if (t.Length > 0) { TenantContext.Enter(t); _ = Wiki.Db; } }
        public async ValueTask Later(string t) { var scope = TenantContext.Enter(t); await Task.Yield(); _ = Wiki.Db; scope.Dispose(); }
    }

    public class Work
    {
        [RequiresTenant] private static async void FireAsync() { await Task.Yield(); }

        [RequiresTenant]
        public void Start()
        {
            _ = Task.Run(() => Wiki.Db).ConfigureAwait(false);
            FireAsync();
        }
    }

    public class Reads
    {
        public string Static() => Storage.Root;                                      // through 'using static'
        public string Interpolated() => $"{Legacy.Globals.Storage!.Root}";
        public bool Pattern() => Legacy.Globals.Storage is { Root: "x" };
        public int Length() => Legacy.Globals.Storage?.Root.Length ?? 0;
    }
}
