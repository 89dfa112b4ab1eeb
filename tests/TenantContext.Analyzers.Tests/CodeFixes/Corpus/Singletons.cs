// TC1002: process-wide singletons and their accessors.
using System;
using Tenancy;

namespace Legacy
{
    public static class Globals
    {
        [TenantSingleton(Use = "Corpus.Wiki.Storage")] public static ITenantStorage Storage = null!;
        [TenantSingleton(Use = "Corpus.Wiki.Db")] public static ITenantDatabase Database { get; set; } = null!;
        [TenantSingleton(Use = "Corpus.Wiki.Storage")] public static object Untyped = new();           // another type: no fix
        [TenantSingleton] public static object Cache = new();                                           // no replacement
    }

    public sealed class Holder
    {
        [TenantSingleton(Use = "Corpus.Wiki.Storage")] public ITenantStorage Storage { get; set; } = null!;
        public static Holder Create() => new();
    }
}

namespace Corpus
{
    using Legacy;

    public class Singletons
    {
        public ITenantStorage Read() => Globals.Storage;
        public bool Exists(string name) => Legacy.Globals.Storage.Exists(name);
        public bool? Maybe(string name) => Globals.Storage?.Exists(name);
        public ITenantDatabase Database() => Globals.Database;
        public object Untyped() => Globals.Untyped;
        public object Cache() => Globals.Cache;
        public void Write(ITenantStorage storage) => Globals.Storage = storage;          // an assignment: no fix
        public void Swap(ITenantStorage storage) => Exchange(ref Globals.Storage, storage);  // by ref: no fix
        public void Replace(ITenantDatabase database) { Globals.Database = database; }
        public ITenantStorage FromACall() => Holder.Create().Storage;                     // the call would be lost: no fix
        public string Name() => nameof(Globals.Storage);
        private static void Exchange(ref ITenantStorage target, ITenantStorage value) => target = value;
    }
}
