package sophoscentral

import (
	"strconv"
	"strings"
)

const (
	endpointsPerTenant = 1200
	usersPerTenant     = 900
	hotEndpoints       = 80
	activeStretch      = 128 // items that share a set of active endpoints
	activeEndpoints    = 4
	activeShare        = 85 // percent of items from the active endpoints
	localShare         = 75 // percent of value choices shared within a stretch
	localValues        = 3  // values shared within a stretch, per kind
)

// tenantPool is the estate of one tenant: its endpoints and users. Strings
// are stored escaped for JSON, ready to append.
type tenantPool struct {
	tenantEsc string
	endpoints []endpoint
	users     []user
}

type endpoint struct {
	id, host, ip, site string
	user               int // index of its usual user
}

type user struct {
	login, name, id, short string // short is first.last, for home folders
}

func (s *Server) pool(tenantID string) *tenantPool {
	if p, ok := s.pools.Load(tenantID); ok {
		return p.(*tenantPool)
	}
	p, _ := s.pools.LoadOrStore(tenantID, newTenantPool(s.cfg.Seed, tenantID))
	return p.(*tenantPool)
}

func newTenantPool(seed int64, tenantID string) *tenantPool {
	base := itemKey(seed, tenantID, "estate")
	r := func(salt, i uint64) uint64 { return mix(base ^ salt<<32 ^ i) }
	p := &tenantPool{tenantEsc: string(appendEscaped(nil, tenantID))}

	domain := domains[r(1, 0)%uint64(len(domains))]
	p.users = make([]user, usersPerTenant)
	for i := range p.users {
		first := firstNames[r(2, uint64(i))%uint64(len(firstNames))]
		last := lastNames[r(3, uint64(i))%uint64(len(lastNames))]
		short := strings.ToLower(first + "." + last)
		p.users[i] = user{
			login: string(appendEscaped(nil, domain+`\`+short)),
			name:  first + " " + last,
			id:    objectID(0x5f000000+r(4, uint64(i))%0x8000000, r(5, uint64(i))),
			short: short,
		}
	}

	sites := make([]string, 6)
	for i := range sites {
		sites[i] = cities[r(6, uint64(i))%uint64(len(cities))]
	}
	style := r(7, 0) % 3
	p.endpoints = make([]endpoint, endpointsPerTenant)
	for i := range p.endpoints {
		ri := r(8, uint64(i))
		siteIdx := ri % uint64(len(sites))
		site := sites[siteIdx]
		u := int(r(9, uint64(i)) % usersPerTenant)
		p.endpoints[i] = endpoint{
			id:   string(appendUUID(nil, r(10, uint64(i)), r(11, uint64(i)))),
			host: hostName(style, i, site, p.users[u].short, r(12, uint64(i))),
			ip: "10." + strconv.Itoa(int(16+siteIdx*8+(ri>>8)%8)) + "." +
				strconv.Itoa(int((ri>>16)%256)) + "." + strconv.Itoa(int(2+(ri>>24)%250)),
			site: site,
			user: u,
		}
	}
	return p
}

// objectID is a MongoDB ObjectId as Sophos uses for user ids: seconds, then
// eight more bytes, in hex.
func objectID(secs, rest uint64) string {
	return string(appendHexN(appendHexN(nil, secs, 8), rest, 16))
}

// hostName names an endpoint the way the tenant's IT does; servers and a
// few unmanaged machines break the convention.
func hostName(style uint64, i int, site, short string, r uint64) string {
	const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	if i%25 == 0 {
		role := serverRoles[r%uint64(len(serverRoles))]
		return strings.ToUpper(site[:min(3, len(site))]) + "-SRV-" + role + strconv.Itoa(int(1+(r>>8)%12))
	}
	if r%10 == 0 {
		style = 0
	}
	switch style {
	case 0:
		b := []byte("DESKTOP-")
		for j := range 7 {
			b = append(b, alnum[(r>>(6*uint(j)))%uint64(len(alnum))])
		}
		return string(b)
	case 1:
		return strings.ToUpper(site[:min(3, len(site))]) + "-LT-" + strconv.Itoa(1000+int(r>>8)%9000)
	}
	first, last, _ := strings.Cut(short, ".")
	return strings.ToUpper(first[:1]+last) + "-PC" + strconv.Itoa(int(r>>8)%10)
}

func (p *tenantPool) pickEndpoint(r, stretch uint64) *endpoint {
	if r%100 < activeShare {
		return &p.endpoints[mix(stretch+(r>>8)%activeEndpoints)%uint64(len(p.endpoints))]
	}
	// A few noisy endpoints produce a good share of the rest.
	if r%100 < activeShare+8 {
		return &p.endpoints[(r>>8)%hotEndpoints]
	}
	return &p.endpoints[(r>>8)%uint64(len(p.endpoints))]
}

func appendPath(d []byte, it *item, salt uint64) []byte {
	r := it.choice(salt)
	file := files[(r>>8)%uint64(len(files))]
	vendor := vendors[(r>>20)%uint64(len(vendors))]
	switch r % 8 {
	case 0, 1, 2:
		d = append(d, `C:\\Users\\`...)
		d = append(d, it.user.short...)
		d = append(d, `\\Downloads\\`...)
	case 3:
		d = append(d, `C:\\Users\\`...)
		d = append(d, it.user.short...)
		d = append(d, `\\AppData\\Local\\Temp\\`...)
		d = appendHexN(d, r>>32, 8)
		d = append(d, `\\`...)
	case 4:
		d = append(d, `C:\\Program Files\\`...)
		d = append(d, vendor...)
		d = append(d, `\\`...)
	case 5:
		d = append(d, `C:\\ProgramData\\`...)
		d = append(d, vendor...)
		d = append(d, `\\`...)
	case 6:
		d = append(d, `C:\\Windows\\Temp\\`...)
	default:
		d = append(d, "/Users/"...)
		d = append(d, it.user.short...)
		d = append(d, "/Downloads/"...)
	}
	return append(d, file...)
}

func appendURL(d []byte, it *item) []byte {
	r := it.choice(saltURL)
	d = append(d, "https://"...)
	if r%3 == 0 {
		d = append(d, subdomains[(r>>4)%uint64(len(subdomains))]...)
		d = append(d, '.')
	}
	d = append(d, webWords[(r>>12)%uint64(len(webWords))]...)
	if r%4 != 0 {
		d = append(d, webWords[(r>>24)%uint64(len(webWords))]...)
	}
	return append(d, tlds[(r>>36)%uint64(len(tlds))]...)
}

func appendExternalIP(d []byte, r uint64) []byte {
	d = strconv.AppendUint(d, publicFirstOctets[r%uint64(len(publicFirstOctets))], 10)
	for j := range 3 {
		d = append(d, '.')
		d = strconv.AppendUint(d, (r>>(8+8*uint(j)))%254+1, 10)
	}
	return d
}

type signer struct{ name, thumbprint string }

var (
	threatPool = buildThreats()
	shaPool    = buildHex(4000, 64, 0x5ba)
	signerPool = buildSigners()
)

func buildThreats() []string {
	families := []string{
		"Troj/Agent-", "Mal/EncPk-", "Troj/Ransom-", "Mal/DrodZp-", "Troj/PDFJs-", "Troj/DocDl-",
		"Mal/Behav-", "Troj/Inject-", "Mal/Phish-", "Troj/PSDl-", "Mal/HTMLGen-", "ATK/Mimikatz-",
		"Troj/Emotet-", "Troj/Qbot-", "Mal/Ursnif-", "Troj/BazarL-", "Mal/Shellcode-", "Troj/MSIL-",
		"Troj/JSDl-", "Troj/VBADl-", "Mal/Kryptik-", "Troj/Steal-", "Troj/Keylog-", "Mal/Bdoor-",
	}
	out := []string{"EICAR-AV-Test", "Mal/Generic-S", "Mal/Generic-R", "ML/PE-A", "Troj/Agent-BGXK"}
	for i := uint64(0); len(out) < 320; i++ {
		r := mix(0x7412 + i)
		suffix := []byte{byte('A' + r%26), byte('A' + (r>>8)%26)}
		if r%3 != 0 {
			suffix = append(suffix, byte('A'+(r>>16)%26), byte('A'+(r>>24)%26))
		}
		out = append(out, families[(r>>32)%uint64(len(families))]+string(suffix))
	}
	return out
}

func buildHex(n, digits int, salt uint64) []string {
	out := make([]string, n)
	for i := range out {
		var b []byte
		for j := 0; len(b) < digits; j++ {
			b = appendHexN(b, mix(salt<<40^uint64(i)<<8^uint64(j)), 16)
		}
		out[i] = string(b[:digits])
	}
	return out
}

func buildSigners() []signer {
	names := []string{
		"Microsoft Windows", "Microsoft Corporation", "Google LLC", "Mozilla Corporation",
		"Adobe Inc.", "Oracle America, Inc.", "Zoom Video Communications, Inc.", "Dropbox, Inc",
		"Slack Technologies, LLC", "TeamViewer Germany GmbH", "AnyDesk Software GmbH",
		"Notepad++", "Igor Pavlov", "Valve Corp.", "Spotify AB", "Piriform Software Ltd",
		"Famatech Corp.", "Nir Sofer", "KnowBe4 Inc.", "Sophos Ltd", "Cisco Systems, Inc.",
		"Citrix Systems, Inc.", "VMware, Inc.", "Dell Inc", "Lenovo", "HP Inc.",
		"Logitech Inc", "Apple Inc.", "WinZip Computing LLC", "Open Source Developer",
	}
	thumbs := buildHex(len(names), 64, 0x51a)
	out := make([]signer, len(names))
	for i, n := range names {
		out[i] = signer{name: string(appendEscaped(nil, n)), thumbprint: thumbs[i]}
	}
	return out
}

var commonPorts = []uint64{22, 80, 135, 139, 443, 445, 3389, 5985, 8080, 8443, 1433, 3306}

var usbVendors = []uint64{
	0x0951, 0x0781, 0x090C, 0x058F, 0x13FE, 0x8564, 0x0BDA, 0x05AC, 0x04E8, 0x1F75,
}

var publicFirstOctets = []uint64{
	2, 5, 23, 31, 37, 41, 45, 46, 51, 52, 62, 77, 78, 79, 80, 81, 82, 85, 88, 89, 91, 92, 93, 94,
	95, 102, 103, 104, 109, 130, 141, 145, 146, 151, 152, 155, 157, 162, 176, 178, 185, 188, 193,
	194, 195, 197, 203, 212, 213, 217,
}

var domains = []string{
	"CORP", "ACME", "CONTOSO", "FABRIKAM", "NORTHWIND", "GLOBEX", "INITECH", "UMBRELLA", "STARK",
	"WAYNE", "HOOLI", "VANDELAY", "OCEANIC", "TYRELL", "CYBERDYN", "SOYLENT", "WONKA", "MASSIVE",
	"PIEDPIPER", "DUNDER", "AD", "HQ", "INTERNAL", "LOCAL", "EMEA", "AMER", "OFFICE", "NETWORK",
}

var firstNames = []string{
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
	"Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
	"Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony",
	"Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily",
	"Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Dorothy", "Kevin", "Carol", "Brian",
	"Amanda", "George", "Melissa", "Edward", "Deborah", "Ronald", "Stephanie", "Timothy", "Rebecca",
	"Jason", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Kathleen", "Gary", "Amy",
	"Nicholas", "Shirley", "Eric", "Angela", "Jonathan", "Helen", "Stephen", "Anna", "Larry",
	"Brenda", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Emma", "Benjamin", "Samantha",
	"Samuel", "Katherine", "Gregory", "Christine", "Frank", "Debra", "Alexander", "Rachel",
	"Raymond", "Catherine", "Patrick", "Carolyn", "Jack", "Janet", "Dennis", "Ruth", "Jerry",
	"Maria", "Tyler", "Heather", "Aaron", "Diane", "Jose", "Virginia", "Adam", "Julie", "Henry",
	"Joyce", "Nathan", "Victoria", "Douglas", "Olivia", "Zachary", "Kelly", "Peter", "Christina",
	"Kyle", "Lauren", "Noah", "Joan", "Ethan", "Evelyn", "Jeremy", "Judith", "Walter", "Megan",
	"Chidi", "Ngozi", "Oluwaseun", "Aisha", "Hiroshi", "Yuki", "Wei", "Mei", "Raj", "Priya",
	"Lars", "Ingrid", "Mateo", "Sofia", "Lukas", "Hannah", "Pierre", "Camille", "Giulia", "Marco",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
	"Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
	"Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
	"Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres",
	"Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
	"Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker",
	"Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook",
	"Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly",
	"Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood",
	"James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo",
	"Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Okafor", "Adeyemi", "Eze",
	"Tanaka", "Suzuki", "Wang", "Li", "Zhang", "Sharma", "Gupta", "Larsen", "Johansson", "Muller",
	"Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Moreau", "Rossi", "Russo", "Ferrari",
	"Novak", "Kowalski", "Horvat", "Silva", "Santos", "Oliveira", "Costa", "Murray", "Byrne",
}

var cities = []string{
	"London", "Manchester", "Leeds", "Bristol", "Dublin", "Paris", "Lyon", "Berlin", "Munich",
	"Hamburg", "Frankfurt", "Madrid", "Barcelona", "Milan", "Rome", "Amsterdam", "Rotterdam",
	"Brussels", "Vienna", "Zurich", "Warsaw", "Prague", "Lisbon", "Stockholm", "Oslo", "Helsinki",
	"Lagos", "Abuja", "Nairobi", "Johannesburg", "Toronto", "Chicago", "Boston", "Denver",
	"Austin", "Seattle", "Sydney", "Melbourne", "Singapore", "Mumbai", "Tokyo", "Oghara",
}

var serverRoles = []string{"DC", "FS", "SQL", "EXCH", "APP", "WEB", "PRN", "RDS", "BKP", "HV"}

var vendors = []string{
	"Google", "Mozilla", "Adobe", "Microsoft", "Zoom", "Dropbox", "TeamViewer", "AnyDesk",
	"7-Zip", "Notepad++", "VideoLAN", "Oracle", "Citrix", "Bad Vendor", "WinRAR", "Steam",
}

var files = func() []string {
	bases := []string{
		"setup", "installer", "invoice", "Invoice_2024", "payment_details", "scan", "document",
		"update", "patch", "crack", "keygen", "loader", "report", "statement", "order", "quote",
		"resume", "photo", "contract", "shipping_label", "remittance", "tax_form", "w2", "bonus",
		"meeting_notes", "agenda", "salary_review", "po", "delivery", "receipt", "voicemail",
		"chrome_update", "flashplayer", "AdobeReader", "TeamViewer_Setup", "AnyDesk", "putty",
		"mimikatz", "procdump", "psexec", "nc", "rclone", "winscp", "advanced_ip_scanner",
	}
	exts := []string{
		".exe", ".exe", ".dll", ".zip", ".js", ".vbs", ".docm", ".xlsm", ".pdf", ".ps1", ".hta",
		".iso", ".lnk", ".msi", ".rar",
	}
	var out []string
	for i := range 400 {
		r := mix(0xf11e + uint64(i))
		name := bases[r%uint64(len(bases))]
		if r>>8%3 == 0 {
			name += "_" + strconv.Itoa(int(r>>16%900+100))
		}
		out = append(out, name+exts[(r>>32)%uint64(len(exts))])
	}
	return out
}()

var puaPool = []string{
	"PsExec", "Generic PUA JB (PUA)", "NirSoft NetPass", "Advanced IP Scanner", "AnyDesk",
	"uTorrent", "Cheat Engine", "KnowBe4 Ransomware Simulator", "Mimikatz", "NetCat", "Rclone",
	"WebCompanion", "OpenCandy", "Ask Toolbar", "CCleaner Bundle", "Process Hacker",
	"Generic PUA BF (PUA)", "Generic PUA PI (PUA)", "Generic PUA OJ (PUA)", "Generic PUA MM (PUA)",
	"Nmap", "Wireshark", "Angry IP Scanner", "RemoteUtilities", "Ammyy Admin", "ScreenConnect",
	"SoftPerfect Network Scanner", "LaZagne", "BitTorrent", "Bundlore", "InstallCore", "Conduit",
	"Hotspot Shield", "Psiphon", "TOR Browser", "Crossrider", "MyWebSearch", "Wajam", "SearchProtect",
	"DriverPack Solution",
}

var webWords = []string{
	"news", "shop", "cloud", "mail", "drive", "photo", "game", "play", "stream", "bet", "casino",
	"cdn", "static", "tracker", "ads", "media", "social", "chat", "video", "music", "travel",
	"bank", "secure", "login", "account", "verify", "update", "download", "free", "best", "deal",
	"ticket", "sport", "live", "tube", "file", "share", "host", "web", "app", "data", "click",
	"promo", "coupon", "crypto", "wallet", "dating", "forum", "wiki", "blog", "proxy", "vpn",
}

var subdomains = []string{
	"www", "m", "cdn", "static", "img", "api", "login", "s1", "s2", "dl", "secure", "app",
}

var tlds = []string{
	".com", ".com", ".com", ".net", ".org", ".co.uk", ".de", ".io", ".ru", ".cn", ".xyz", ".top",
	".info", ".biz", ".ng", ".fr",
}

var webCategories = []string{
	"Shopping", "Social Networking", "Gambling", "Games", "Streaming Media", "Adult/Sexually Explicit",
	"Personal Network Storage and File Sharing", "Peer to Peer", "Proxies and Translators",
	"Weapons", "Alcohol and Tobacco", "Dating", "Hacking", "Job Search", "Sports", "Travel",
	"News", "Chat", "Web-based Email", "Online Ads", "Cryptocurrency", "Uncategorized",
}

var webThreats = []string{
	"Malicious website", "Mal/HTMLGen-A", "Troj/Phish-A", "Mal/JSRedir-M", "Phishing website",
	"Mal/Iframe-F", "Troj/JSRedir-GK", "High risk website",
}

var apps = []string{
	"uTorrent", "BitTorrent", "TeamViewer", "AnyDesk", "Dropbox", "WhatsApp Desktop", "Telegram",
	"Steam", "Spotify", "Skype", "Zoom", "Discord", "Tor Browser", "Opera", "Vivaldi", "WinSCP",
	"PuTTY", "FileZilla", "7-Zip", "WinRAR", "Google Drive", "OneDrive", "Box Sync", "iCloud",
	"VLC media player", "Wireshark", "Nmap", "Cheat Engine", "Epic Games Launcher", "Origin",
	"Battle.net", "Minecraft", "Slack", "Signal", "Viber", "Python", "Node.js", "PowerShell ISE",
	"Notepad++", "CCleaner", "Microsoft Word", "Microsoft Excel", "Google Chrome", "Mozilla Firefox",
}

var appCategories = []string{
	"File sharing", "Remote management", "Instant messaging", "Game", "Browser plug-in",
	"Media player", "Cloud storage", "Encryption tool", "Proxy", "Virtual machine",
	"Programming tool", "Network monitoring",
}

var devices = []string{
	"Kingston DataTraveler 3.0", "SanDisk Cruzer Blade", "SanDisk Ultra USB 3.0",
	"Samsung Portable SSD T7", "WD My Passport 0748", "Seagate Expansion Desk",
	"Generic Mass Storage", "Apple iPhone", "Samsung Galaxy S23", "Google Pixel 7",
	"Lexar JumpDrive", "Verbatim Store n Go", "Intenso Basic Line", "PNY USB 2.0 FD",
	"TOSHIBA TransMemory", "Logitech USB Receiver", "Realtek USB GbE", "Generic Bluetooth Radio",
	"HP LaserJet Pro", "Canon PIXMA", "USB DISK 2.0", "Transcend JetFlash",
}

var deviceClasses = []string{
	"Removable storage", "Removable storage", "MTP/PTP", "Optical drive", "Floppy drive",
	"Bluetooth", "Wireless", "Modem", "Secure removable storage",
}

var products = []string{
	"Sophos Intercept X", "Sophos Endpoint Agent", "Sophos File Scanner", "Sophos Device Encryption",
	"Sophos Network Threat Protection", "Sophos Endpoint Defense", "Sophos MCS Client",
}

var updateErrors = []string{
	"Download of package failed", "Installation failed, reboot required", "Could not contact server",
	"Insufficient disk space", "Connection to the update server timed out",
	"Package verification failed",
}

var ipsMessages = []string{
	"OS-WINDOWS Microsoft Windows SMB remote code execution attempt",
	"SERVER-WEBAPP Apache Log4j logging remote code execution attempt",
	"MALWARE-CNC Win.Trojan.Emotet outbound connection",
	"POLICY-OTHER Remote Desktop Protocol brute force attempt",
	"SERVER-OTHER OpenSSL TLS heartbeat read overrun attempt",
	"INDICATOR-SCAN SSH brute force login attempt",
	"EXPLOIT-KIT Multiple exploit kit landing page detected",
	"SERVER-MSSQL Microsoft SQL Server brute force login attempt",
	"OS-WINDOWS Microsoft Windows Netlogon elevation of privilege attempt",
	"MALWARE-OTHER Cobalt Strike beacon outbound connection",
}

var amsiThreats = []string{
	"Covid19-A", "PsObfs-A", "PsDl-B", "PsInject-C", "MimiKatz-PS", "Cobalt-PS", "Empire-A",
	"PsRevShell-A", "PsEnc-B", "Invoke-Shellcode",
}

var scriptHosts = []string{"powershell.exe", "pwsh.exe", "wscript.exe", "cscript.exe", "mshta.exe"}

var dlpRules = []string{
	"Credit or debit card numbers", "UK National Insurance numbers", "US Social Security numbers",
	"IBAN numbers", "Confidential documents", "Source code", "Passport numbers",
}
