// TC1003: scopes that are not disposed, in the shapes the 'using' fix must handle or refuse.
using System;
using System.Threading.Tasks;
using Tenancy;

namespace Corpus;

public class Scopes
{
    private readonly TenantSnapshot? _snapshot = null;
    private int scope = 1;

    public void Discarded()
    {
        TenantContext.Enter("a");
        Console.WriteLine(Wiki.Db);
    }

    public void Declared()
    {
        var s = TenantContext.Enter("a");
        Console.WriteLine(Wiki.Db + s.ToString());
    }

    public void DiscardAssignment()
    {
        _ = TenantContext.Enter("a");
        Console.WriteLine(Wiki.Db);
    }

    public void Conditional()
    {
        _snapshot?.Enter();
        Console.WriteLine(TenantContext.IsActive);
    }

    public void TwoInOneMethod(bool again)
    {
        TenantContext.Enter("a");
        Wiki.Enter("b");
        if (again)
        {
            TenantContext.Enter("c");
            Console.WriteLine(Wiki.Db);
        }
    }

    public void NamesTaken(int scope2)
    {
        TenantContext.Enter("a");
        Console.WriteLine(scope + scope2);
        {
            var scope3 = 3;
            Console.WriteLine(scope3);
        }

        Func<int, int> f = scope4 => scope4 + 1;
        Console.WriteLine(f(1));
    }

    public void LaterCodeReliesOnTheScope(bool b)
    {
        if (b)
        {
            TenantContext.Enter("a");                                           // refused: the scope reaches the line below
            Console.WriteLine(b);
        }

        Console.WriteLine(Wiki.Db);
    }

    public static void ForTheCaller()
    {
        TenantContext.Enter("a");                                               // refused: nothing follows (meant for a caller)
    }

    public void Reassigned()
    {
        var s = TenantContext.Enter("a");                                       // refused: reassigned
        Console.WriteLine(Wiki.Db);
        s = TenantContext.Enter("b");
        Console.WriteLine(s);
    }

    public void PassedByRef()
    {
        var s = TenantContext.Enter("a");                                       // refused: passed by ref
        Swap(ref s);
        Console.WriteLine(Wiki.Db);
    }

    public void AsObject()
    {
        object s = TenantContext.Enter("a");                                    // refused: 'using object' does not compile
        Console.WriteLine(s);
    }

    public void WithALabel(int n)
    {
        TenantContext.Enter("a");                                               // refused: CS8648 with the goto below
    again:
        n--;
        if (n > 0)
        {
            goto again;
        }
    }

    public void InASwitch(int n)
    {
        switch (n)
        {
            case 1:
                TenantContext.Enter("a");                                       // refused: not in a block
                Console.WriteLine(n);
                break;
        }
    }

    public async Task LeftForTheCaller()
    {
        TenantContext.Enter("a");
        await Task.Yield();
        Console.WriteLine(Wiki.Db);
    }

    public void ManualDispose()
    {
        var s = TenantContext.Enter("a");
        Console.WriteLine(Wiki.Db);
        s.Dispose();
        Console.WriteLine(TenantContext.IsActive);
    }

    public Action InALambda() => () =>
    {
        TenantContext.Enter("a");
        Console.WriteLine(Wiki.Db);
    };

    private static void Swap(ref TenantScope s) => s = TenantContext.Enter("z");
}
