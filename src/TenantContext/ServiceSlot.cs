using System.Collections.Concurrent;

namespace Tenancy;

/// <summary>Process-wide numbering of per-tenant service types: an index into each tenant's resource array.</summary>
internal static class ServiceSlots
{
    private static readonly ConcurrentDictionary<Type, int> s_indexes = new();
    private static readonly object s_gate = new();
    private static int s_count;

    internal const int Database = 0;
    internal const int Storage = 1;
    internal const int Renderer = 2;

    static ServiceSlots()
    {
        s_indexes[typeof(ITenantDatabase)] = Database;
        s_indexes[typeof(ITenantStorage)] = Storage;
        s_indexes[typeof(ITenantRenderer)] = Renderer;
        s_count = 3;
    }

    internal static int Count => Volatile.Read(ref s_count);

    internal static int IndexOf(Type type)
    {
        if (s_indexes.TryGetValue(type, out int index))
        {
            return index;
        }

        lock (s_gate)
        {
            if (!s_indexes.TryGetValue(type, out index))
            {
                index = s_count;
                s_indexes[type] = index;
                Volatile.Write(ref s_count, index + 1);
            }

            return index;
        }
    }
}

/// <summary>The slot of <typeparamref name="T"/>: a constant after the first read, so accessors index an array.</summary>
internal static class ServiceSlot<T>
{
    internal static readonly int Index = ServiceSlots.IndexOf(typeof(T));
}
