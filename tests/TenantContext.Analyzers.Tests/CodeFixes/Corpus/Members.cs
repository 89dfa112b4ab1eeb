// TC1001 in every kind of member, lambda and local function.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Linq.Expressions;
using System.Threading.Tasks;
using Tenancy;

namespace Corpus;

public class Members
{
    private static readonly Func<object> s_lazyDb = () => Wiki.Db;            // a lambda in a field initializer: the lambda
    private readonly object _direct = Wiki.Storage;                           // an initializer: no fix
    private static readonly Expression<Func<string>> s_quoted = () => TenantContext.Current.Slug;  // quoted: not a use

    static Members()
    {
        _ = TenantContext.GetStorage();                                        // a static constructor: never marked
    }

    public Members()
    {
        _ = Wiki.Db;
    }

    public Members(int pages) => _ = Wiki.Storage.List("pages").Count() + pages;

    public object Initialized { get; } = Wiki.Db;                             // a property initializer: no fix

    public object Plain() => Wiki.Db;

    public void TwoUses()
    {
        var db = Wiki.Db;
        var storage = Wiki.Storage;
        Console.WriteLine($"{db}{storage}");
    }

    public object Getter
    {
        get { return Wiki.Storage; }
    }

    public object Arrow => TenantContext.GetDb();

    public object this[int index] => Wiki.Db;

    public event EventHandler Changed
    {
        add { _ = Wiki.Db; }
        remove { _ = Wiki.Storage; }
    }

    public static Members operator +(Members left, Members right)
    {
        _ = TenantContext.Current;
        return left;
    }

    public static explicit operator string(Members members) => TenantContext.Current.Slug;

    public int LocalFunction()
    {
        return Count() + Count();

        int Count() => Wiki.Storage.List("").Count();
    }

    public int StaticLocalFunction()
    {
        [Obsolete("kept: an attribute list already there")]
        static int Count() => Wiki.Storage.List("").Count();

#pragma warning disable CS0618
        return Count();
#pragma warning restore CS0618
    }

    public IEnumerable<string> Lambdas(IEnumerable<string> names)
    {
        var simple = names.Select(n => Wiki.Storage.GetPath(n));
        var parenthesized = names.Where((n, i) => Wiki.Storage.Exists(n) && i > 0);
        Func<Task<object>> asynchronous = async () => { await Task.Yield(); return Wiki.Db; };
        Func<object> statics = static () => TenantContext.GetRenderer();
        Func<string, object> typed = object (string s) => Wiki.Storage.GetPath(s);
        Func<object> nested = () => { Func<object> inner = () => Wiki.Db; return inner(); };
        return simple.Concat(parenthesized).Append(asynchronous.ToString()!).Append(statics.ToString()!).Append(typed.ToString()!).Append(nested.ToString()!);
    }

    public Func<object> AnonymousMethod() => delegate { return Wiki.Db; };

    public void Attributed([System.Diagnostics.CodeAnalysis.NotNull] object? value)
    {
        value ??= Wiki.Db;
    }

    public object Expression() => s_quoted.Compile()() + s_lazyDb().ToString() + _direct;
}

public abstract class Marked
{
    [RequiresTenant]
    public abstract object Read();
}

public sealed class MarkedOverride : Marked
{
    public override object Read() => Wiki.Db;                               // the base requires a tenant: marking is fine
}
