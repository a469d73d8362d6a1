package fake

// Name material for generated people. Russian names carry their Cyrillic
// spelling, a second common transliteration and a nickname, so one person's
// accounts can disagree the way real accounts do ("Alexey" / "Aleksei" /
// "Алексей" / "Lyosha").

type firstName struct {
	latin, alt, cyr, nick string
	female                bool
}

type lastName struct {
	latin, alt, cyr string // masculine forms; feminine adds "a" (latin, alt, cyr)
}

var ruFirst = []firstName{
	{"Alexey", "Aleksei", "Алексей", "Lyosha", false},
	{"Alexander", "Aleksandr", "Александр", "Sasha", false},
	{"Dmitry", "Dmitrii", "Дмитрий", "Dima", false},
	{"Sergey", "Sergei", "Сергей", "Seryozha", false},
	{"Andrey", "Andrei", "Андрей", "Andryusha", false},
	{"Mikhail", "Michael", "Михаил", "Misha", false},
	{"Ivan", "Iwan", "Иван", "Vanya", false},
	{"Yuri", "Iurii", "Юрий", "Yura", false},
	{"Nikolay", "Nikolai", "Николай", "Kolya", false},
	{"Evgeny", "Yevgeniy", "Евгений", "Zhenya", false},
	{"Pavel", "Paul", "Павел", "Pasha", false},
	{"Konstantin", "Constantine", "Константин", "Kostya", false},
	{"Natalia", "Natalya", "Наталья", "Natasha", true},
	{"Ekaterina", "Yekaterina", "Екатерина", "Katya", true},
	{"Olga", "Olga", "Ольга", "Olya", true},
	{"Tatiana", "Tatyana", "Татьяна", "Tanya", true},
	{"Maria", "Mariya", "Мария", "Masha", true},
	{"Yulia", "Julia", "Юлия", "Yulya", true},
	{"Anastasia", "Anastasiya", "Анастасия", "Nastya", true},
	{"Elena", "Yelena", "Елена", "Lena", true},
}

var ruLast = []lastName{
	{"Smirnov", "Smirnoff", "Смирнов"},
	{"Ivanov", "Iwanow", "Иванов"},
	{"Kuznetsov", "Kuznecov", "Кузнецов"},
	{"Popov", "Popoff", "Попов"},
	{"Sokolov", "Sokoloff", "Соколов"},
	{"Lebedev", "Lebedeff", "Лебедев"},
	{"Kozlov", "Kozloff", "Козлов"},
	{"Novikov", "Novikoff", "Новиков"},
	{"Morozov", "Morozoff", "Морозов"},
	{"Volkov", "Wolkow", "Волков"},
	{"Solovyov", "Soloviev", "Соловьёв"},
	{"Vasiliev", "Vasilyev", "Васильев"},
	{"Zaytsev", "Zaitsev", "Зайцев"},
	{"Pavlov", "Pavloff", "Павлов"},
	{"Semyonov", "Semenov", "Семёнов"},
	{"Golubev", "Golubeff", "Голубев"},
	{"Vinogradov", "Winogradow", "Виноградов"},
	{"Bogdanov", "Bogdanoff", "Богданов"},
	{"Fedorov", "Fyodorov", "Фёдоров"},
	{"Orlov", "Orloff", "Орлов"},
}

var enFirst = []firstName{
	{"Robert", "Rob", "", "Bob", false},
	{"William", "Will", "", "Bill", false},
	{"James", "Jim", "", "Jimmy", false},
	{"Michael", "Mike", "", "Mikey", false},
	{"Richard", "Rick", "", "Dick", false},
	{"Thomas", "Tom", "", "Tommy", false},
	{"Christopher", "Chris", "", "Kit", false},
	{"Daniel", "Dan", "", "Danny", false},
	{"Matthew", "Matt", "", "Matty", false},
	{"Anthony", "Tony", "", "Ant", false},
	{"Elizabeth", "Liz", "", "Beth", true},
	{"Jennifer", "Jen", "", "Jenny", true},
	{"Margaret", "Maggie", "", "Peggy", true},
	{"Katherine", "Kate", "", "Katie", true},
	{"Susan", "Sue", "", "Suzy", true},
	{"Jessica", "Jess", "", "Jessie", true},
	{"Rebecca", "Becky", "", "Becca", true},
	{"Patricia", "Pat", "", "Patty", true},
	{"Samantha", "Sam", "", "Sammy", true},
	{"Alexandra", "Alex", "", "Lexi", true},
}

var enLast = []lastName{
	{"Johnson", "", ""}, {"Williams", "", ""}, {"Brown", "", ""}, {"Jones", "", ""},
	{"Miller", "", ""}, {"Davis", "", ""}, {"Wilson", "", ""}, {"Anderson", "", ""},
	{"Taylor", "", ""}, {"Thomas", "", ""}, {"Moore", "", ""}, {"Martin", "", ""},
	{"Jackson", "", ""}, {"Thompson", "", ""}, {"White", "", ""}, {"Harris", "", ""},
	{"Clark", "", ""}, {"Lewis", "", ""}, {"Walker", "", ""}, {"Hall", "", ""},
}

var personalDomains = []string{"gmail.com", "yandex.ru", "mail.ru", "outlook.com", "proton.me"}

var summaryVerbs = []string{"Fix", "Add", "Improve", "Refactor", "Remove", "Support", "Investigate", "Migrate", "Document", "Speed up"}
var summaryObjects = []string{
	"login flow", "payment retries", "search indexing", "CSV export", "audit log", "rate limiter",
	"notification emails", "dashboard filters", "session timeout", "SSO with Okta", "billing webhooks",
	"mobile layout", "onboarding wizard", "API pagination", "cache invalidation", "background jobs",
	"feature flags", "release notes", "dark mode", "user avatars", "access tokens", "report scheduler",
}
